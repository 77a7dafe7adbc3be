#!/usr/bin/env python3
"""fixsmtpio in front of a scripted stand-in server (t/helpers/fakesmtpd),
for what msmtpd cannot be made to do: HELP and NOOP, 4xx/5xx greetings, a
timeout reply, a crash, CHUNKING, a STARTTLS line to hide, malformed and
over-long replies; plus exit codes 14/15/16/0/18 and setup failures."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me="mx.example.org\n", fixsmtpio=SEED)
log = os.path.join(TMP, "server-seen.log")


def run(fake_args, ctl_dir=ctl, name="s", **env):
    return TCPServer(prog("fixsmtpio") + [helper("fakesmtpd"), "--log", log]
                     + fake_args, env=environ(CONTROLDIR=ctl_dir, **env),
                     name=name)


def seen():
    try:
        with open(log, "rb") as fh:
            return fh.read().decode("latin-1")
    except FileNotFoundError:
        return ""


# HELP, NOOP, VRFY, and the server's own STARTTLS line hidden.
srv = run(["--starttls", "--chunking"], name="help")
c = SMTP(srv.port)
is_(c.text(), "220 mx.example.org ESMTP", "greeting fixed up")
help_reply = c.cmd("HELP")
like(help_reply, r"^214-fixsmtpio \S+: .*fixsmtpio\(8\)\n214-fakesmtpd help\n"
     r"214 see RFC 5321$", "HELP: a line naming fixsmtpio first")
is_(c.cmd("NOOP"), "250 ok", "NOOP passes")
ehlo = c.cmd("EHLO c")
is_(ehlo, "250-mx.example.org\n250-PIPELINING\n250-8BITMIME\n"
    "250-SIZE 10240000\n250 CHUNKING",
    "the server's STARTTLS is never offered (no TLS here)")
is_(c.cmd("STARTTLS"), "502 5.5.1 STARTTLS not offered",
    "STARTTLS without UCSPITLS: 502")
ok("STARTTLS" not in seen(), "the server never saw STARTTLS")

# BDAT with CHUNKING offered: chunks pass by their size.
c.cmd("MAIL FROM:<a@b>")
c.cmd("RCPT TO:<c@d>")
chunk1 = b"Subject: chunks\r\n\r\nQUIT\r\nRSET\r\n"
chunk2 = b"\r\n.\r\nbinary \xff\r\r\n"
c.send(b"BDAT %d\r\n" % len(chunk1) + chunk1 +
       b"BDAT %d LAST\r\n" % len(chunk2) + chunk2)
is_(c.text(), "250 %d bytes ok" % len(chunk1), "first chunk")
is_(c.text(), "250 %d bytes ok" % len(chunk2), "last chunk")
like(seen(), r"MESSAGE %d bytes" % (len(chunk1) + len(chunk2)),
     "the server got both chunks whole")
ok("\nRSET\n" not in seen() and "\nQUIT\n" not in seen(),
   "command words inside chunks were never taken as commands")

# A NUL in a chunk: refused (554 5.6.0), nothing of it delivered; with
# BODY=BINARYMIME it passes.
before = seen().count("MESSAGE ")
c.cmd("MAIL FROM:<a@b>")
c.cmd("RCPT TO:<c@d>")
nul = b"Subject: nul\r\n\r\nbinary \x00 byte\r\n"
c.send(b"BDAT %d LAST\r\n" % len(nul) + nul)
is_(c.text(), "554 5.6.0 Message refused: NUL character in message data",
    "a NUL in a chunk: 554 5.6.0")
is_(seen().count("MESSAGE "), before, "nothing of it delivered")
is_(c.cmd("NOOP"), "250 ok", "the session goes on")
c.cmd("MAIL FROM:<a@b> BODY=BINARYMIME")
c.cmd("RCPT TO:<c@d>")
c.send(b"BDAT %d LAST\r\n" % len(nul) + nul)
is_(c.text(), "250 %d bytes ok" % len(nul), "BODY=BINARYMIME: a NUL passes")
like(seen(), r"MESSAGE %d bytes" % len(nul), "and is delivered")
is_(c.cmd("QUIT"), "221 mx.example.org", "QUIT")
is_(srv.ends(1), [0], "exit 0")
srv.stop()

# Exit codes under authup's rules.
for greeting, code in (("421 try later", 14), ("554 go away", 15)):
    srv = run(["--greeting", greeting], name="g%d" % code, AUTHUP_USER="u")
    c = SMTP(srv.port)
    is_(c.text(), greeting, "AUTHUP_USER: %s greeting kept" % greeting[:3])
    ok(c.closed(), "and the connection closed")
    is_(srv.ends(1), [code], "exit %d" % code)
    srv.stop()

srv = run(["--greeting", "220 fake ESMTP", "--idle-timeout", "0.5"],
          name="timeout", AUTHUP_USER="u")
c = SMTP(srv.port)
is_(c.text(), "235 ok, go ahead (#2.0.0)",
    "AUTHUP_USER: the greeting becomes the 235")
ok(c.closed(), "the server's timeout reply is hidden, the session ends")
is_(srv.ends(1), [16], "exit 16")
srv.stop()

srv = run([], name="clienteof", AUTHUP_USER="u")
c = SMTP(srv.port)
c.text()
c.close()
is_(srv.ends(1), [0], "AUTHUP_USER: client EOF exits 0 (clienteof rule)")
srv.stop()

# The server's own exit code passes through; a crash is 111.
srv = run(["--quit-exit", "7"], name="status")
c = SMTP(srv.port)
c.text()
c.cmd("QUIT")
is_(srv.ends(1), [7], "the server's exit code is fixsmtpio's")
c = SMTP(srv.port)
c.text()
c.send(b"NOOP\r\n")
c.reply()
c.close()
is_(srv.ends(2)[1:], [0], "client EOF: the server sees EOF and exits 0")
srv.stop()

srv = run(["--crash-on", "RCPT"], name="crash")
c = SMTP(srv.port)
c.text()
c.cmd("MAIL FROM:<a@b>")
c.send(b"RCPT TO:<c@d>\r\n")
ok(c.closed(), "server crash: connection closed")
is_(srv.ends(1), [111], "server killed by a signal: 111")
like(srv.text(), r"fixsmtpio: warning: .*fakesmtpd was killed by signal 9",
     "and it says so")
srv.stop()

# Malformed and over-long replies.
srv = run(["--garbage-on", "VRFY", "--long-reply-on", "EXPN"], name="bad")
c = SMTP(srv.port)
c.text()
is_(c.cmd("EXPN x"), "500 5.5.2 line too long",
    "a 70 KB reply line: 500 5.5.2 line too long")
is_(c.cmd("NOOP"), "250 ok", "the session goes on")
is_(c.cmd("VRFY x"), "421 4.3.0 Server protocol error, closing connection",
    "a line that is not a reply: 421")
ok(c.closed(), "and the connection closes")
is_(srv.ends(1), [111], "exit 111")
srv.stop()

# fixsmtpio's own idle timeout.
ctl_t = controldir("ctl-timeout", me="mx.example.org\n", timeoutsmtpd="1\n")
srv = run([], ctl_dir=ctl_t, name="idle")
c = SMTP(srv.port)
c.text()
c.send(b"NOOP")
is_(c.text(), "421 4.4.2 Timeout, closing connection",
    "no whole line for timeoutsmtpd seconds: 421")
ok(c.closed(), "connection closed")
is_(srv.ends(1), [16], "exit 16")
srv.stop()

# fixsmtpio and the server read the same control/timeoutsmtpd (1 s): the
# server's own timeout reply, through the rules, wins every time, even when
# the server's timer runs behind fixsmtpio's (here by half a second, as a
# server's does when it starts its read late on a busy machine). The
# stand-in times out as qmail-smtpd does (451, exit 1). 12 idle clients at
# once, with and without authup's rules.
import threading  # noqa: E402
ctl_race = controldir("ctl-race", me="mx.example.org\n", timeoutsmtpd="1\n",
                      fixsmtpio=SEED)
for authup in (False, True):
    srv = run(["--idle-timeout", "1.5"], ctl_dir=ctl_race,
              name="race%d" % authup, **({"AUTHUP_USER": "u"} if authup
                                         else {}))
    seen_replies = []
    lock = threading.Lock()

    def idle():
        c = SMTP(srv.port, timeout=30)
        first = c.text()
        rest = []
        while True:
            code, lines = c.reply()
            if code is None:
                break
            rest += lines
        c.close()
        with lock:
            seen_replies.append((first, rest))

    threads = [threading.Thread(target=idle) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if authup:
        is_(sorted(set(r for _, r in [(f, tuple(x)) for f, x in
                                      seen_replies])), [()],
            "12 idle clients under authup: the server's timeout reply, "
            "hidden by the rules, every time")
        is_(srv.ends(12), [16] * 12, "and exit 16 (the rules') every time")
    else:
        is_(sorted(set(tuple(x) for _, x in seen_replies)),
            [("451 timeout (#4.4.2)",)],
            "12 idle clients: the server's own timeout reply every time")
        is_(srv.ends(12), [1] * 12, "and the server's exit code, 1")
    ok("Timeout, closing connection" not in srv.text() and
       "timed out after" not in srv.text(), "fixsmtpio's own timer never "
       "fired first")
    srv.stop()

# Setup failures: rules that do not parse, no greeting, NOFIXSMTPIO.
ctl_bad = controldir("ctl-bad", me="mx\n",
                     fixsmtpio=":ehlo::*::250 ok\n:rcpt::*:300:\n")
srv = run([], ctl_dir=ctl_bad, name="badrules")
c = SMTP(srv.port)
is_(c.text(), "421 4.3.0 unable to read controls",
    "rule error standing alone: 421 to the client")
is_(srv.ends(1), [18], "exit 18")
like(srv.text(), r"fixsmtpio: warning: [0-9a-f]{16}: \S+/fixsmtpio:2:10: exit code 300 "
     r"is not in 0-255", "the error names file, line and column")
srv.stop()
srv = run([], ctl_dir=ctl_bad, name="badrules2", AUTHUP_USER="u")
c = SMTP(srv.port)
ok(c.closed(), "rule error under authup: nothing said, authup answers")
is_(srv.ends(1), [18], "exit 18")
srv.stop()

ctl_none = controldir("ctl-none")
srv = run([], ctl_dir=ctl_none, name="nome")
c = SMTP(srv.port)
is_(c.text(), "421 4.3.0 unable to read controls", "no me, no greeting: 421")
is_(srv.ends(1), [111], "exit 111")
like(srv.text(), r"neither \S+/smtpgreeting nor \S+/me exists",
     "and it says what to create")
srv.stop()

ctl_g = controldir("ctl-greet", me="me.example\n",
                   smtpgreeting="greet.example NO UCE  \n",
                   fixsmtpio=":greeting::*::&fixsmtpio_fixup\n")
srv = run([], ctl_dir=ctl_g, name="greeting")
c = SMTP(srv.port)
is_(c.text(), "220 greet.example NO UCE ESMTP",
    "smtpgreeting wins over me, trailing spaces dropped")
srv.stop()

srv = run([], ctl_dir=ctl_none, name="nofix", NOFIXSMTPIO="1")
c = SMTP(srv.port)
is_(c.text(), "220 fake.example ESMTP fakesmtpd",
    "NOFIXSMTPIO: the server runs directly, no control file needed")
srv.stop()

srv = TCPServer(prog("fixsmtpio") + ["/nonexistent/server"],
                env=environ(CONTROLDIR=ctl), name="noexec")
c = SMTP(srv.port)
is_(c.text(), "421 4.3.0 unable to read controls",
    "a server that cannot run: 421")
is_(srv.ends(1), [111], "exit 111")
like(srv.text(), r"unable to run /nonexistent/server: No such file",
     "and it says which")
srv.stop()
done()
