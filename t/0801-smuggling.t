#!/usr/bin/env python3
"""SMTP smuggling, the published variants, through fixsmtpio to a real
server (msmtpd) and to the loosest stand-in (loosesmtpd, which reads lines
as C strings and takes a bare CR or LF for a line end): in one write, split
at the variant and byte by byte. The server receives the message fixsmtpio
saw and nothing else: a variant with a bare LF is made harmless, one with a
NUL or a bare CR (the NUL after the dot that msmtpd reads as a lone dot, for
one) refuses the message with 554 5.6.0 and nothing of it is delivered.
Then the two outcomes of a refusal: the session goes on with a fresh server
(a second message is delivered), or, when no server can go on, 421 and exit
111. Also on the STARTTLS port, in plaintext and inside TLS."""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, context  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402
import smuggling  # noqa: E402

ctl = controldir(me="mx.example\n")
SMUGGLED = (b"MAIL FROM:<evil@attacker.example>\r\n"
            b"RCPT TO:<victim@example.org>\r\nDATA\r\n"
            b"Subject: smuggled\r\n\r\nforged body\r\n")
# name: (the bytes after the legitimate text, whether it is refused)
VARIANTS = {
    "\\r\\n.\\0\\r\\n": (b"\r\n.\0\r\n", True),
    "\\r\\n.\\0\\n": (b"\r\n.\0\n", True),
    "\\n.\\n": (b"\n.\n", False),
    "\\n.\\r\\n": (b"\n.\r\n", False),
    "\\r\\n.\\n": (b"\r\n.\n", False),
    "\\r.\\r": (b"\r.\r", True),
    "\\r\\n.\\r": (b"\r\n.\r", True),
    "\\r\\n\\0.\\r\\n": (b"\r\n\0.\r\n", True),
}


def pieces(data, mode, at):
    if mode == "one write":
        return [data]
    if mode == "split at the variant":
        return [data[:at], data[at:at + 2], data[at + 2:]]
    return [data[:at - 2]] + [bytes([b]) for b in data[at - 2:at + 8]] + \
        [data[at + 8:]]


n = 0
for kind in ("msmtpd", "loosesmtpd"):
    target = smuggling.Target(kind, ctl, kind)
    for vname, (variant, refused) in VARIANTS.items():
        for mode in ("one write", "split at the variant", "byte by byte"):
            c = SMTP(target.srv.port)
            codes = [c.reply()[0]]
            for cmd in (b"EHLO c\r\n", b"MAIL FROM:<a@example.org>\r\n",
                        b"RCPT TO:<b@example.org>\r\n", b"DATA\r\n"):
                c.send(cmd)
                codes.append(c.reply()[0])
            head = b"Subject: legitimate\r\n\r\nhello"
            data = head + variant + SMUGGLED + b"\r\n.\r\nQUIT\r\n"
            for p in pieces(data, mode, len(head)):
                c.send(p)
                if mode != "one write":
                    time.sleep(0.02)
            codes += c.codes_until_close()
            c.close()
            label = "%s, %s, %s" % (kind, vname, mode)
            got = target.arrived()
            if refused:
                is_(codes, [220, 250, 250, 250, 354, 554, 221],
                    "%s: 554 at the client's end of data, the session goes on"
                    % label)
                is_(len(got), 0, "%s: nothing delivered" % label)
            else:
                is_(codes, [220, 250, 250, 250, 354, 250, 221],
                    "%s: one message accepted, nothing else answered"
                    % label)
                is_(len(got), 1, "%s: exactly one message arrived" % label)
                body = got[0] if got else b""
                ok(b"MAIL FROM:<evil@attacker.example>" in body and
                   b"Subject: smuggled" in body and b"forged body" in body,
                   "%s: the smuggled commands are message text" % label)
    target.stop()

# The session goes on after a refusal: a fresh server, greeted with the
# client's EHLO behind its back, takes the next message.
md = maildir("after")
srv = TCPServer(prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl), name="after")
c = SMTP(srv.port)
c.text()
c.cmd("EHLO client.example")
c.cmd("MAIL FROM:<a@example.org>")
c.cmd("RCPT TO:<b@example.org>")
c.cmd("DATA")
c.send(b"Subject: one\r\n\r\nbinary \0 byte\r\n.\r\n")
is_(c.text(), "554 5.6.0 Message refused: NUL character in message data",
    "NUL in a message: 554 5.6.0")
is_(c.cmd("MAIL FROM:<a@example.org>"), "250 Ok",
    "the next MAIL, without a new EHLO, finds a server that has seen one")
is_(c.cmd("RCPT TO:<b@example.org>"), "250 Ok", "RCPT")
is_(c.cmd("DATA"), "354 Send data", "DATA")
c.send(b"Subject: two\r\n\r\nclean\r\n.\r\n")
like(c.text(), r"^250 ", "the second message is accepted")
is_(c.cmd("QUIT"), "221 Bye", "QUIT")
got = messages(md, 1)
is_(len(got), 1, "only the second message was delivered")
ok(got and b"Subject: two" in got[0], "and it is the clean one")
is_(srv.ends(1), [0], "exit 0")
srv.stop()

# Where no server can go on, 421 follows the 554 and fixsmtpio exits 111.
# A stand-in: msmtpd cannot be made to refuse its second start, or vanish.
once = os.path.join(TMP, "once")
copy = os.path.join(TMP, "smtpd-copy")
shutil.copy(helper("fakesmtpd"), copy)
os.chmod(copy, 0o755)
for how in ("greets 421 the second time", "cannot be run again"):
    if os.path.exists(once):
        os.unlink(once)
    argv = [copy, "--greeting-once", once] if how.startswith("greets") \
        else [copy]
    srv = TCPServer(prog("fixsmtpio") + argv,
                    env=environ(CONTROLDIR=ctl), name="lost%d" % len(how))
    c = SMTP(srv.port)
    c.text()
    c.cmd("EHLO c")
    c.cmd("MAIL FROM:<a@b>")
    c.cmd("RCPT TO:<c@d>")
    c.cmd("DATA")
    if how.startswith("cannot"):
        os.unlink(copy)
    c.send(b"Subject: x\r\n\r\n\r.\r\n.\r\n")
    is_(c.text(), "554 5.6.0 Message refused: bare CR in message data",
        "server that %s: 554 for the message" % how)
    is_(c.text(), "421 4.3.0 Server unavailable, closing connection",
        "then 421")
    ok(c.closed(), "and the connection closes")
    is_(srv.ends(1), [111], "exit 111")
    like(srv.text(), r"fixsmtpio: (warning|fatal): [0-9a-f]{16}: (\S+ did not "
         r"start again after a refused message|unable to run again)",
         "the log says why")
    srv.stop()
    shutil.copy(helper("fakesmtpd"), copy)
    os.chmod(copy, 0o755)

# The STARTTLS port: in plaintext before STARTTLS, and inside TLS.
certs = os.path.join(TMP, "certs")
os.makedirs(certs)
ca = make_ca(certs)
cert = make_cert(certs, "mail", ca, dns=["mail.example.org"])
md = maildir("tls")
srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl, UCSPITLS="", CERTFILE=cert.cert,
                            KEYFILE=cert.key), name="tls")
payload = (b"Subject: legit\r\n\r\nhello\r\n.\0\r\n" + SMUGGLED +
           b"\r\n.\r\nQUIT\r\n")
for inside in (False, True):
    s = Session(srv.port, context(ca.cert), "mail.example.org",
                starttls=inside)
    s.cmd("EHLO client.example")
    s.cmd("MAIL FROM:<a@example.org>")
    s.cmd("RCPT TO:<b@example.org>")
    s.cmd("DATA")
    s.send(payload)
    where = "inside TLS" if inside else "in plaintext on the STARTTLS port"
    is_(s.reply(), "554 5.6.0 Message refused: NUL character in message data",
        "%s: the NUL after the dot refuses the message" % where)
    is_(s.reply(), "221 Bye", "%s: then QUIT" % where)
    s.sock.close()
is_(srv.ends(2), [0, 0], "both sessions exit 0")
time.sleep(0.2)
is_(len(messages(md)), 0, "nothing delivered, neither message")
srv.stop()
done()
