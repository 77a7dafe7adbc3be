#!/usr/bin/env python3
"""Hostile TLS input to fixsmtpio and to authup (SMTP STARTTLS and POP3
STLS) under ucspitlsd: one table of cases run against all three, each
asserting the exact replies, or the close, exit code and log line.

  - plaintext injected after STARTTLS, in the same write, as a partial
    line, as a flood, in lower case, with bare LF, with the STARTTLS
    line itself split over many writes: never answered inside TLS and
    never seen by a server;
  - plaintext split across reads, its rest sent after the 220: it reaches
    the handshake, which fails;
  - the first TLS record carrying several commands (legitimate: each is
    answered), STARTTLS twice (refused inside TLS, the session goes on);
  - handshake records that are garbage, truncated (then FIN, or silence
    until the handshake timeout), a ClientHello sent along with STARTTLS,
    and TLS 1.0 only (python's ssl and openssl s_client -tls1), which the
    default priority refuses: the session ends, exit 111, one log line.

Then descriptors across the STARTTLS restart: the server fixsmtpio starts
afresh holds exactly what the first one held (0, 1 and 2), fixsmtpio
drops every UCSPI-TLS descriptor and the socket, the TLS engine its
control socket, and session after session the same set stays; under
authup, the server run after STARTTLS and AUTH holds 0, 1 and 2 alone.

The SMTP server behind fixsmtpio is the scripted stand-in
t/helpers/fakesmtpd, which logs every line it gets (msmtpd logs nothing),
so that a case can show that injected bytes never reached it; authup's
checkpassword is t/helpers/checkpw, whose log shows that no injected AUTH
or PASS was ever tried. The descriptor counts run against msmtpd."""

import os
import re
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import (client_hello, context, converse,  # noqa: E402
                       descendants, fds, tls_records)
from tlsfixture import make_ca, make_cert  # noqa: E402

NAME = "mx.example"
ca = make_ca(TMP)
cert = make_cert(TMP, "mx", ca, dns=[NAME])
ctl = controldir(me=NAME + "\n", smtpcapabilities="PIPELINING\n",
                 pop3capabilities="TOP\n")
seen = os.path.join(TMP, "seen.log")
cplog = os.path.join(TMP, "checkpw.log")
USERS = "alice:secret pw"
TLS = context(ca.cert)
K = 1024


def start(which, handshake=30):
    """ucspitlsd -h handshake in front of fixsmtpio or authup."""
    if which == "fixsmtpio":
        app = prog("fixsmtpio") + [helper("fakesmtpd"), "--log", seen]
    else:
        app = prog("authup") + [which.split()[1], helper("checkpw"), "true"]
    return TCPServer(prog("ucspitlsd") + ["-h", str(handshake)] + app,
                     env=environ(CONTROLDIR=ctl, CERTFILE=cert.cert,
                                 KEYFILE=cert.key, UCSPITLS="",
                                 CHECKPW_USERS=USERS, CHECKPW_LOG=cplog,
                                 AUTHUP_PAUSE="0"),
                     limit=20, name=which.replace(" ", "-") + str(handshake))


def take(path):
    """The lines logged at path since the last look."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as fh:
        lines = fh.read().decode("latin-1").splitlines()
    open(path, "w").close()
    return lines


class Target:
    """What differs between fixsmtpio, authup smtp and authup pop3: the
    hello and its reply, the STARTTLS verb and its 220, a harmless command
    (noop) and a probe with their replies, QUIT's reply, the refusal of a
    second STARTTLS; server: a server behind logs what it gets."""

    def __init__(self, which, pop, hello, verb, ready, noop, probe, quit,
                 twice, server):
        self.which, self.pop, self.verb, self.ready = which, pop, verb, ready
        self.hello, self.noop, self.probe = hello, noop, probe
        self.quit, self.twice, self.server = quit, twice, server
        self.srv = start(which)
        self.slow = start(which, handshake=2)
        self.count = {self.srv: 0, self.slow: 0}

    def fill(self, data):
        """data with {V} the verb, {v} in lower case, {N} the noop and {P}
        the probe command."""
        return (data.replace(b"{V}", self.verb.encode())
                .replace(b"{v}", self.verb.lower().encode())
                .replace(b"{N}", self.noop[0].encode())
                .replace(b"{P}", self.probe[0].encode()))


targets = [
    Target("fixsmtpio", False,
           ("EHLO c", "250-fake.example\n250-PIPELINING\n250-8BITMIME\n"
            "250-SIZE 10240000\n250 STARTTLS"), "STARTTLS",
           "220 2.0.0 Ready to start TLS", ("NOOP", "250 ok"),
           ("HELP", "214-fakesmtpd help\n214 see RFC 5321"),
           "221 fake.example", "503 5.5.1 TLS already active", True),
    Target("authup smtp", False,
           ("EHLO c", "250-%s\n250-PIPELINING\n250-AUTH PLAIN LOGIN\n"
            "250 STARTTLS" % NAME), "STARTTLS",
           "220 2.0.0 Ready to start TLS", ("NOOP", "250 2.0.0 ok"),
           ("HELP", "214 2.0.0 authup: send EHLO, then AUTH PLAIN or AUTH "
            "LOGIN"), "221 2.0.0 " + NAME, "503 5.5.1 TLS already active",
           False),
    Target("authup pop3", True,
           ("CAPA", "+OK Capability list follows\nSTLS\nUSER\nSASL PLAIN\n"
            "TOP\n."), "STLS", "+OK Begin TLS negotiation",
           ("APOP a b", "-ERR APOP not supported"),
           ("NOOP", "-ERR authorization first"), "+OK",
           "-ERR TLS already active", False),
]


class Client:
    """A raw connection to t's server srv, greeted and helloed: plaintext,
    then TLS once wrap() is called."""

    def __init__(self, t, srv):
        self.t = t
        self.c = SMTP(srv.port, timeout=60)
        self.c.line()  # the greeting
        self.send(t.hello[0].encode() + b"\r\n")
        self.hello = self.reply()

    def send(self, data):
        self.c.send(self.t.fill(data))

    def reply(self):
        """One reply, lines joined; a POP3 CAPA list to its dot."""
        if not self.t.pop:
            return self.c.text()
        lines = [self.c.line()]
        if lines[0] == "+OK Capability list follows":
            while lines[-1] != ".":
                lines.append(self.c.line())
        return "\n".join(lines)

    def wrap(self, ctx=TLS):
        self.c.sock = ctx.wrap_socket(self.c.sock, server_hostname=NAME)

    def rest(self):
        """Everything until the server closes: (bytes, how)."""
        data = self.c.buf
        self.c.buf = b""
        try:
            while True:
                chunk = self.c.sock.recv(65536)
                if not chunk:
                    return data, "eof"
                data += chunk
        except ssl.SSLError:
            return data, "tls error"
        except (ConnectionResetError, BrokenPipeError):
            return data, "reset"
        except socket.timeout:
            return data, "timeout"


def session_end(t, srv, name, code, why=None, client=None):
    """The session ended with exit code code, and ucspitlsd logged nothing
    or (with why) one line: the handshake failed for that reason; and then
    its summary line, which says how the connection ended. The client (a
    Client) closes first: the TLS engine waits a while for the client's
    FIN before it ends and logs its summary."""
    if client:
        client.c.close()
    t.count[srv] += 1
    mark = getattr(srv, "mark", 0)
    is_(srv.ends(t.count[srv], timeout=60)[t.count[srv] - 1:], [code],
        "%s: exit %d" % (name, code))
    ends = [l.split(" end=")[-1]
            for l in srv.summaries("ucspitlsd", t.count[srv], timeout=60)
            ][t.count[srv] - 1:]
    text = srv.text()
    srv.mark = len(text)
    lines = [re.sub(r"^(ucspitlsd: \w+: )[0-9a-f]{16}: ", r"\1", l)
             for l in text[mark:].splitlines()
             if l.startswith("ucspitlsd:") and ": summary: " not in l]
    want = [] if why is None else [
        "ucspitlsd: fatal: unable to complete the TLS handshake with "
        "127.0.0.1: " + why]
    is_(lines, want, "%s: %s" % (name, "ucspitlsd logs nothing" if why is
                                 None else "one log line: " + why))
    is_(ends, ["closed" if why is None else "handshake-failed"],
        "%s: and its summary line" % name)


def saw(t, name, lines, hello=None):
    """What the server behind fixsmtpio received (the hello, then lines),
    or for authup, that checkpassword never ran."""
    if t.server:
        lines = [hello or t.hello[0]] + lines
        is_(take(seen), lines, "%s: the server saw only %s" %
            (name, ", ".join(lines)))
    else:
        is_(take(cplog), [], "%s: no password was tried" % name)


def injected(t, c, name, payload, pieces=None):
    """payload in one write (or in pieces): the replies to what comes
    before STARTTLS (the noop), the 220, nothing else in plaintext; inside
    TLS, the probe and QUIT in one record get their replies, and nothing
    else comes."""
    before = payload.split(b"{V}")[0].count(b"{N}")
    for piece in pieces or [payload]:
        c.send(piece)
    want = [t.noop[1]] * before + [t.ready]
    is_(([c.reply() for _ in want], c.c.buf), (want, b""),
        "%s: plaintext: %s, nothing more" % (name, ", ".join(want)))
    c.wrap()
    c.send(b"{P}\r\nQUIT\r\n")
    is_([c.reply(), c.reply(), c.rest()[0]], [t.probe[1], t.quit, b""],
        "%s: inside TLS: the probe's reply, QUIT's, the end" % name)
    session_end(t, t.srv, name, 0, client=c)
    saw(t, name, [t.noop[0]] * before + [t.probe[0], "QUIT"])


def split(t, c, name, first, later):
    """first (STARTTLS and part of a command), the 220, then later, which
    reaches the engine as the handshake: it fails."""
    c.send(first)
    is_(c.reply(), t.ready, "%s: 220" % name)
    c.send(later)
    data, how = c.rest()
    ok(how in ("eof", "reset") and tls_records(data) is not None,
       "%s: the connection ends, only TLS records came back" % name)
    session_end(t, t.srv, name, 111, "An unexpected TLS packet was "
                "received.", client=c)
    saw(t, name, [])


def inside(t, c, name, commands, want):
    """commands in the first TLS record after the handshake, then QUIT:
    each answered in order (want names the replies), then the end."""
    c.send(b"{V}\r\n")
    is_(c.reply(), t.ready, "%s: 220" % name)
    c.wrap()
    c.send(commands + b"QUIT\r\n")
    what = ", ".join(want + ["QUIT's, the end"])
    want = [getattr(t, w) if isinstance(getattr(t, w), str)
            else getattr(t, w)[1] for w in want] + [t.quit, b""]
    is_([c.reply() for _ in want[:-1]] + [c.rest()[0]], want,
        "%s: inside TLS, the replies: %s" % (name, what))
    session_end(t, t.srv, name, 0, client=c)
    sent = t.fill(commands).decode().split("\r\n")[:-1] + ["QUIT"]
    saw(t, name, [line for line in sent if line != t.verb])


def failed(t, c, name, send, why, fin=False):
    """After the 220, send (bytes, or a client SSLContext to try a
    handshake with) and perhaps a FIN: the connection ends, only TLS
    records come back (with a context: the handshake fails with a
    protocol version alert), exit 111, one log line with why."""
    c.send(b"{V}\r\n")
    is_(c.reply(), t.ready, "%s: 220" % name)
    if isinstance(send, ssl.SSLContext):
        try:
            c.wrap(send)
            ok(False, "%s: the handshake fails" % name)
        except ssl.SSLError as e:
            like(str(e), r"PROTOCOL_VERSION", "%s: the handshake fails, "
                 "the server's alert says protocol version" % name)
    else:
        c.c.send(t.fill(send))
        if fin:
            c.c.sock.shutdown(socket.SHUT_WR)
        data, how = c.rest()
        ok(how in ("eof", "reset") and tls_records(data) is not None,
           "%s: the connection ends, only TLS records came back" % name)
    session_end(t, c.srv, name, 111, why, client=c)
    saw(t, name, [])


hello = client_hello(TLS, NAME)[0]
bad_hello = hello[:60] + bytes(b ^ 0x5a for b in hello[60:120]) + hello[120:]
tls10 = context(ca.cert, minimum=ssl.TLSVersion.TLSv1,
                maximum=ssl.TLSVersion.TLSv1, ciphers="DEFAULT:@SECLEVEL=0")
unexpected = "An unexpected TLS packet was received."
version = "A packet with illegal or unsupported version was received."
AUTH = b"AUTH PLAIN AGFsaWNlAHNlY3JldCBwdw==\r\n"  # alice, "secret pw"
SMTP_ONLY, POP3_ONLY = "smtp", "pop3"

# (how, protocols or None for all, name, arguments). {V} is the STARTTLS
# verb (STLS for POP3), {v} in lower case, {N} a harmless command and {P}
# the probe (see Target).
CASES = [
    (injected, SMTP_ONLY, "STARTTLS\\r\\nRSET in one write",
     b"{V}\r\nRSET\r\n"),
    (injected, SMTP_ONLY, "STARTTLS\\r\\nMAIL FROM in one write",
     b"{V}\r\nMAIL FROM:<x@example.org>\r\n"),
    (injected, SMTP_ONLY, "a mail transaction pipelined after STARTTLS",
     b"{V}\r\nEHLO evil\r\nMAIL FROM:<x@example.org>\r\n"
     b"RCPT TO:<y@example.net>\r\nDATA\r\nSubject: evil\r\n\r\n.\r\n"),
    (injected, SMTP_ONLY, "AUTH pipelined after STARTTLS", b"{V}\r\n" + AUTH),
    (injected, POP3_ONLY, "USER and PASS pipelined after STLS",
     b"{V}\r\nUSER alice\r\nPASS secret pw\r\n"),
    (injected, POP3_ONLY, "AUTH PLAIN pipelined after STLS",
     b"{V}\r\n" + AUTH),
    (injected, None, "QUIT pipelined after STARTTLS", b"{V}\r\nQUIT\r\n"),
    (injected, None, "STARTTLS and QUIT with bare LF", b"{V}\nQUIT\n{N}\n"),
    (injected, None, "in lower case", b"{v}\r\nquit\r\n"),
    (injected, None, "a partial line after STARTTLS", b"{V}\r\nQUI"),
    (injected, None, "500 commands after STARTTLS",
     b"{V}\r\n" + b"QUIT\r\n" * 500),
    (injected, None, "a 3 KiB line without LF after STARTTLS",
     b"{V}\r\n" + b"x" * (3 * K)),
    (injected, None, "NUL bytes after STARTTLS", b"{V}\r\nQU\0IT\r\n\0\0\0"),
    (injected, None, "a command before STARTTLS is answered, QUIT after it "
     "is not", b"{N}\r\n{V}\r\nQUIT\r\n"),
    (injected, None, "the STARTTLS line a byte a write, QUIT with its LF",
     None, "pieces"),
    (split, None, "split across reads: the rest sent after the 220",
     b"{V}\r\nQU", b"IT\r\n{N}\r\n"),
    (split, None, "a whole command sent after the 220", b"{V}\r\n",
     b"QUIT\r\n"),
    (inside, None, "two commands in the first TLS record", b"{P}\r\n{N}\r\n",
     ["probe", "noop"]),
    (inside, None, "STARTTLS twice", b"{V}\r\n{P}\r\n", ["twice", "probe"]),
    (failed, None, "HTTP instead of a ClientHello",
     b"GET / HTTP/1.0\r\n\r\n", unexpected),
    (failed, None, "a handshake record of garbage",
     b"\x16\x03\x01\x00\x05hello" + b"\0" * 64, unexpected),
    (failed, None, "a record longer than TLS allows",
     b"\x16\x03\x01\xff\xff" + b"\0" * 1024,
     "A TLS record packet with invalid length was received."),
    (failed, None, "a ClientHello with its middle scrambled", bad_hello,
     "Error decoding the received TLS packet."),
    (failed, None, "an SSL 2.0 style hello",
     b"\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10" + b"\0" * 37, version),
    (failed, None, "a ClientHello cut short, then FIN",
     hello[:len(hello) // 2], "the client closed the connection", "fin"),
    (failed, None, "a ClientHello cut short, then silence",
     hello[:len(hello) // 2], "timed out", "slow"),
    (failed, None, "TLS 1.0 only (python's ssl)", tls10, version),
    (failed, None, "a ClientHello in the same write as STARTTLS: dropped, "
     "then silence", b"", "timed out", "slow", "along"),
]

for t in targets:
    proto = POP3_ONLY if t.pop else SMTP_ONLY
    for how, only, name, *args in CASES:
        if only not in (None, proto):
            continue
        name = "%s: %s" % (t.which, name)
        srv = t.slow if "slow" in args else t.srv
        c = Client(t, srv)
        c.srv = srv
        if not t.count[t.srv]:
            is_(c.hello, t.hello[1], "%s: %s offered once" %
                (t.which, t.verb))
        if how is injected and "pieces" in args:
            verb = t.verb.encode()
            injected(t, c, name, b"{V}\r\nQUIT\r\n", pieces=[
                verb[i:i + 1] for i in range(len(verb))] + [
                b"\r", b"\nQUIT\r\n"])
        elif how is failed and "along" in args:
            c.send(b"{V}\r\n" + hello)
            is_(c.reply(), t.ready, "%s: 220" % name)
            data, end = c.rest()
            ok(end in ("eof", "reset") and tls_records(data) is not None,
               "%s: the connection ends, only TLS records came back" % name)
            session_end(t, srv, name, 111, "timed out", client=c)
            saw(t, name, [])
        elif how is failed:
            failed(t, c, name, args[0], args[1], fin="fin" in args)
        else:
            how(t, c, name, *args)
        c.c.close()

    name = "%s: TLS 1.0 only (openssl s_client -tls1)" % t.which
    code, out, err = converse(
        ["openssl", "s_client", "-starttls", "pop3" if t.pop else "smtp",
         "-connect", "127.0.0.1:%d" % t.srv.port, "-tls1", "-cipher",
         "DEFAULT:@SECLEVEL=0", "-quiet"], b"", b"never")
    ok(code != 0 and re.search(rb"alert protocol version", err),
       "%s: refused with a protocol version alert" % name)
    session_end(t, t.srv, name, 111, version)
    saw(t, name, [], hello="EHLO mail.example.com")  # openssl's own
    t.srv.stop()
    t.slow.stop()

# Descriptors across the STARTTLS restart, against a real server: msmtpd.
md = maildir()


def own(pid):
    """pid's descriptors, less valgrind's: its log files, which programs
    under it inherit, and its own, high above any program's."""
    return {fd: what for fd, what in fds(pid).items()
            if fd < 1024 and not what.startswith(VGDIR)}


def kinds(fdmap):
    return sorted(fdmap.values())


def chain(srv):
    """The processes of srv's one session: {"server": msmtpd, "proxy": its
    parent (fixsmtpio), "top": the process tcpserver started (fixsmtpio, or
    authup above it), "engine": top's other child}, or {} until they are
    all there."""
    tree = descendants(srv.proc.pid)
    server = [p for p, (name, _) in tree.items() if name == "msmtpd"]
    top = [p for p, (_, parent) in tree.items() if parent == srv.proc.pid]
    if len(server) != 1 or len(top) != 1:
        return {}
    proxy = tree[server[0]][1]
    engine = [p for p, (_, parent) in tree.items()
              if parent == top[0] and p not in (proxy, server[0])]
    return dict(server=server[0], proxy=proxy, top=top[0],
                engine=engine[0]) if len(engine) == 1 else {}


def message(c):
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<b@example.net>")
    c.cmd("DATA")
    return c.cmd("Subject: fds\r\n\r\n.")


srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl, CERTFILE=cert.cert,
                            KEYFILE=cert.key, UCSPITLS=""), name="fds")
sets = []
for n in range(1, 6):
    name = "descriptors, session %d" % n
    c = SMTP(srv.port, timeout=60)
    c.text()
    c.cmd("EHLO c")
    p = chain(srv)
    before = {k: own(pid) for k, pid in p.items()}
    with open("/proc/%d/environ" % p["proxy"], "rb") as fh:
        env = fh.read().split(b"\0")
    ucspi = {int(v.split(b"=")[1]) for v in env
             if v.startswith((b"SSLCTLFD=", b"SSLREADFD=", b"SSLWRITEFD="))}
    ok(len(ucspi) == 3 and ucspi <= set(before["proxy"]),
       "%s: fixsmtpio holds the three UCSPI-TLS descriptors" % name)
    is_(before["server"], {0: "pipe", 1: "pipe", 2: srv.log},
        "%s: the server holds 0, 1 and 2, nothing else" % name)
    is_(c.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS",
        "%s: STARTTLS" % name)
    c.sock = TLS.wrap_socket(c.sock, server_hostname=NAME)
    is_(c.cmd("EHLO c"), "250 localhost", "%s: EHLO inside TLS" % name)
    q = chain(srv)
    ok(q and q["proxy"] == p["proxy"] and q["engine"] == p["engine"] and
       q["server"] != p["server"],
       "%s: fixsmtpio and the engine, and a fresh server" % name)
    after = {k: own(pid) for k, pid in q.items()}
    is_(after["server"], before["server"],
        "%s: the fresh server holds what the first held" % name)
    is_(kinds(after["proxy"]),
        sorted(k for k in kinds(before["proxy"]) if k != "socket"),
        "%s: fixsmtpio holds no socket any more, the rest as before"
        % name)
    is_(len(after["proxy"]), len(before["proxy"]) - 3,
        "%s: three fewer: SSLCTLFD closed, the TLS pipes moved onto 0 and 1"
        % name)
    is_((len(after["engine"]), sorted(fd for fd, k in after["engine"].items()
                                      if k == "socket")),
        (len(before["engine"]) - 1, [0, 1]),
        "%s: the engine has closed its control socket, holds the network"
        % name)
    replies = [message(c) for _ in range(3)]
    is_(replies, ["250 Ok, mail was piped"] * 3,
        "%s: three messages" % name)
    is_({k: own(pid) for k, pid in chain(srv).items()}, after,
        "%s: after them, the same descriptors everywhere" % name)
    sets.append((after["proxy"], after["server"]))
    c.cmd("QUIT")
    c.close()
    is_(srv.ends(n)[n - 1:], [0], "%s: exit 0" % name)
is_(sets[1:], sets[:1] * 4, "fixsmtpio and the fresh server hold the same "
    "descriptors after STARTTLS in every session")
srv.stop()

# authup: STARTTLS, then AUTH; checkpassword runs fixsmtpio (the example
# rules, so that the server's greeting becomes the 235), msmtpd.
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    ctl_auth = controldir("ctl-auth", me=NAME + "\n", fixsmtpio=fh.read(),
                          smtpcapabilities="PIPELINING\n")
srv = TCPServer(prog("ucspitlsd") + prog("authup") +
                ["smtp", helper("checkpw")] + prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl_auth, CERTFILE=cert.cert,
                            KEYFILE=cert.key, UCSPITLS="!",
                            CHECKPW_USERS=USERS, AUTHUP_PAUSE="0"),
                name="authup-fds")
c = SMTP(srv.port, timeout=60)
c.text()
c.cmd("EHLO c")
is_(c.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "authup: STARTTLS")
c.sock = TLS.wrap_socket(c.sock, server_hostname=NAME)
c.cmd("EHLO c")
is_(c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldCBwdw=="), "235 ok, go ahead (#2.0.0)",
    "authup: AUTH inside TLS")
is_(message(c), "250 Ok, mail was piped", "authup: a message")
p = chain(srv)
got = {k: own(pid) for k, pid in p.items()}
ok(p and p["top"] != p["proxy"], "authup: authup, fixsmtpio and msmtpd")
is_(got.get("server"), {0: "pipe", 1: "pipe", 2: srv.log},
    "authup: the server holds 0, 1 and 2, nothing else")
is_([k for k in ("top", "proxy", "server")
     if "socket" in kinds(got.get(k, {}))], [],
    "authup: no socket in authup, fixsmtpio or the server")
is_(sorted(k for fd, k in got.get("proxy", {}).items() if fd > 2 and
           k != "anon_inode:[pidfd]"), ["pipe", "pipe"],
    "authup: fixsmtpio holds its server's two pipes beyond 0, 1 and 2")
c.cmd("QUIT")
c.close()
is_(srv.ends(1), [0], "authup: exit 0")
srv.stop()
done()
