#!/usr/bin/env python3
"""fixsmtpio with the example rule set in front of a real server (msmtpd
--inetd) under tcpserver: every rewritten line, messages byte for byte
through raw SMTP, smtplib and swaks (pipelined and not), AUTH passing
through without being logged, exit codes, and a client that vanishes."""

import os
import random
import smtplib
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me="mx.example.org\n", fixsmtpio=SEED)
md = maildir()


def strip_trace(msg):
    """msmtpd stores LF line ends and puts its own Received: first."""
    lines = msg.split(b"\n")
    assert lines[0].startswith(b"Received: ")
    i = 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
    return b"\n".join(lines[i:])


def sent_form(body):
    """What a message sent as CR LF lines becomes in msmtpd's store."""
    return body.replace(b"\r\n", b"\n")


srv = TCPServer(prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl, FIXSMTPIODEBUG="1"),
                name="plain")

# Raw session: every rewritten line of the example rules.
c = SMTP(srv.port)
is_(c.text(), "220 mx.example.org ESMTP", "greeting fixed up")
is_(c.cmd("EHLO client.example"), "250 mx.example.org",
    "EHLO's first line fixed up")
is_(c.cmd("MAIL FROM:<a@example.org>"), "250 Ok", "MAIL passes")
is_(c.cmd("RCPT TO:<b@example.net>"), "250 Ok", "RCPT passes")
is_(c.cmd("DATA"), "354 Send data", "354")
body = (b"Subject: test\r\nX-8bit: \xc3\xa9t\xc3\xa9\r\n\r\n"
        b"..a line that starts with a dot\r\n"
        b"." + b"x" * 996 + b"\r\n"
        + b"y" * 998 + b"\r\n"
        b"last line\r\n")
c.send(body + b".\r\n")
like(c.text(), r"^250 ", "message accepted")
is_(c.cmd("QUIT"), "221 mx.example.org", "QUIT fixed up")
ok(c.closed(), "connection closed after QUIT")
got = messages(md, 1)
ok(len(got) == 1, "one message delivered")
is_(strip_trace(got[0]) if got else None,
    sent_form(b"Subject: test\r\nX-8bit: \xc3\xa9t\xc3\xa9\r\n\r\n"
              b".a line that starts with a dot\r\n"
              + b"x" * 996 + b"\r\n" + b"y" * 998 + b"\r\nlast line\r\n"),
    "delivered byte for byte (8-bit, dot-stuffing, 998-octet lines)")
is_(srv.ends(1), [0], "fixsmtpio exited 0 (msmtpd's status)")

# The same session pipelined in one write, client half-closing at once.
c = SMTP(srv.port)
c.send(b"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n")
replies = [c.reply()[0] for _ in range(5)]
is_(replies, [220, 250, 250, 250, 354], "pipelined replies in order")
c.send(b"Subject: pipelined\r\n\r\nhello\r\n.\r\nQUIT\r\n")
c.sock.shutdown(1)
is_([c.reply()[0], c.reply()[0]], [250, 221],
    "after a half-close the last replies still arrive")
ok(c.closed(), "then the connection closes")
is_(len(messages(md, 2)), 2, "second message delivered")

# python3 smtplib: several messages in one session, 8-bit and 1 MiB.
rnd = random.Random(7)
big = b"".join(b"%s\r\n" % bytes(rnd.randrange(33, 127) for _ in range(
    rnd.randrange(0, 998))) for _ in range(2100))
msgs = [b"Subject: one\r\n\r\nfirst\r\n",
        b"Subject: two\r\n\r\n" + big,
        b"Subject: \xe2\x82\xac\r\n\r\n.\r\n..\r\nend without dot\r\n"]
s = smtplib.SMTP("127.0.0.1", srv.port, timeout=20)
code, msg = s.ehlo("smtplib.example")
is_((code, msg), (250, b"mx.example.org"), "smtplib: EHLO")
for m in msgs:
    s.sendmail("a@example.org", ["c@example.net"], m)
s.quit()
got = messages(md, 5)
is_([strip_trace(m) for m in got[2:5]], [sent_form(m) for m in msgs],
    "smtplib: three messages byte for byte, 1 MiB among them")

# swaks, plain and pipelined.
for flag in ([], ["--pipeline"]):
    r = subprocess.run(["swaks", "-s", "127.0.0.1", "-p", str(srv.port),
                        "--from", "a@example.org", "--to", "d@example.net",
                        "--header", "Subject: swaks " + " ".join(flag),
                        "--body", "swaks body"] + flag,
                       capture_output=True, timeout=30)
    ok(r.returncode == 0, "swaks %s: exit 0" % " ".join(flag or ["plain"]))
    out = r.stdout.decode()
    ok("<-  220 mx.example.org ESMTP" in out and
       "<-  221 mx.example.org" in out,
       "swaks %s sees the rewritten greeting and QUIT"
       % " ".join(flag or ["plain"]))
is_(len(messages(md, 7)), 7, "swaks messages delivered")

# A client that vanishes in the middle of DATA: nothing is delivered.
before = len(messages(md))
ended = len(srv.ends(0))
c = SMTP(srv.port)
c.text()
for line in ("EHLO c", "MAIL FROM:<a@x>", "RCPT TO:<b@y>", "DATA"):
    c.cmd(line)
c.send(b"Subject: half\r\n\r\n" + b"z" * 100000)
time.sleep(0.3)
c.close()
st = srv.ends(ended + 1)
ok(len(st) == ended + 1, "fixsmtpio ended after the client vanished")
time.sleep(0.5)
is_(len(messages(md)), before, "the half message was not delivered")
like(srv.text(), r"client went away in the middle of a message",
     "and it says why")

# ... and in the middle of a command line: nothing reaches the server.
ended += 1
c = SMTP(srv.port)
c.text()
c.send(b"EHLO c\r\nMAIL FROM:<half")
c.reply()
c.close()
st = srv.ends(ended + 1)
ok(len(st) == ended + 1, "vanished mid-line: ended")
ok("1 MAIL FROM:<half" not in srv.text(), "the partial line was dropped")

srv.stop()

# AUTH through fixsmtpio to msmtpd --auth (multi-line EHLO): the exchange
# passes, and FIXSMTPIODEBUG never shows the credentials.
auth = TCPServer(prog("fixsmtpio") + msmtpd(md, "--auth=user,echo secret"),
                 env=environ(CONTROLDIR=ctl, FIXSMTPIODEBUG="1"), name="auth")
c = SMTP(auth.port)
c.text()
is_(c.cmd("EHLO c"), "250-mx.example.org\n250 AUTH PLAIN",
    "multi-line EHLO: first line fixed, the rest kept")
is_(c.cmd("AUTH PLAIN"), "334 ", "AUTH PLAIN without initial response: 334")
is_(c.cmd("AHVzZXIAc2VjcmV0"), "235 Authentication successful",
    "the SASL response passes: 235")
c.cmd("QUIT")
s = smtplib.SMTP("127.0.0.1", auth.port, timeout=20)
s.login("user", "secret")
s.sendmail("a@example.org", ["c@example.net"], b"Subject: auth\r\n\r\nx\r\n")
s.quit()
auth.ends(2)
log = auth.text()
ok("AHVzZXIAc2VjcmV0" not in log and "secret" not in log,
   "no password or SASL blob in the debug log")
like(log, r"1 \[SASL response, 16 bytes\]", "the SASL line noted by size")
like(log, r"(?m)" + DEBUG + r"1 AUTH PLAIN$",
     "AUTH with initial response shown cut")
like(log, r"(?m)" + DEBUG + r"3 235 ", "debug: replies from the server (3)")
like(log, r"(?m)" + DEBUG + r"4 250-mx.example.org$",
     "debug: replies to the client (4)")
like(log, r"(?mi)" + DEBUG + r"2 MAIL FROM:<a@example.org>",
     "debug: requests (2)")
like(log, r"(?m)" + DEBUG + r"D \d+ bytes from the client, \d+ to the server$",
     "debug: data as a byte count only")
ok("Subject: auth" not in log, "no message content in the debug log")
# Every line of a connection carries its ID: the debug lines, with the
# pid, and the summary line that ends each session.
lines = [ln for ln in log.splitlines() if ln.startswith("fixsmtpio:")]
ids = {}
for ln in lines:
    m = re.match(r"fixsmtpio: (\w+): ([0-9a-f]{16}): (pid (\d+): )?", ln)
    ids.setdefault(m.group(2) if m else None, []).append(ln)
ok(None not in ids and len(ids) == 2,
   "every fixsmtpio line carries one of the two sessions' IDs")
for sid, group in sorted(ids.items(), key=lambda kv: str(kv[0])):
    pids = {re.search(r": pid (\d+): ", ln).group(1)
            for ln in group if ": debug: " in ln}
    summaries = [ln for ln in group if ": summary: " in ln]
    ok(len(pids) == 1 and len(summaries) == 1,
       "session %s: one pid on its debug lines, one summary line" % sid)
summ = re.findall(r"(?m)" + SUMMARY % "fixsmtpio" + r"(.*)$", log)
like(summ[-1] if summ else "",
     r"^ip=127\.0\.0\.1 tls=- user=- commands=6 messages=1 refused=0 "
     r"in=\d+ out=\d+ exit=0 seconds=\d+\.\d{3}$",
     "smtplib's session (EHLO AUTH MAIL RCPT DATA QUIT) and its message "
     "in the summary")
auth.stop()

# Under authup: the fresh server is greeted with the client's EHLO line
# (AUTHUP_HELO) behind the client's back, so a client that goes straight
# from its 235 to MAIL finds msmtpd (which insists on EHLO) ready.
md2 = maildir("Maildir-authup")
for helo, want in (("EHLO client.example", "250 Ok"),
                   ("", "500 Expected EHLO or HELO"),
                   ("MAIL FROM:<evil@x>", "500 Expected EHLO or HELO")):
    au = TCPServer(prog("fixsmtpio") + msmtpd(md2),
                   env=environ(CONTROLDIR=ctl, AUTHUP_USER="alice",
                               AUTHUP_HELO=helo), name="authup")
    c = SMTP(au.port)
    is_(c.text(), "235 ok, go ahead (#2.0.0)",
        "AUTHUP_HELO=%r: the greeting is the 235" % helo)
    is_(c.cmd("MAIL FROM:<alice@example.org>"), want,
        "AUTHUP_HELO=%r: MAIL right after it: %s" % (helo, want))
    if want == "250 Ok":
        c.cmd("RCPT TO:<bob@example.net>")
        c.cmd("DATA")
        c.send(b"Subject: after auth\r\n\r\nhi\r\n.\r\n")
        like(c.text(), "^250 ", "and the message is accepted")
        is_(c.cmd("QUIT"), "221 mx.example.org", "QUIT")
        is_(au.ends(1), [0], "exit 0, as authup expects of a good session")
    if helo.startswith("MAIL"):
        like(au.text(), "AUTHUP_HELO is not an EHLO or HELO line: ignored",
             "a variable that is not EHLO/HELO is not sent")
    c.close()
    au.stop()
# The example rules as acceptutils reads them: each glob sees the server's
# line. With FIXSMTPIOTLS and AUTHUP_USER both set, the TLS rule removes the
# greeting and the AUTHUP_USER rule, matched against the same server line,
# still makes it the 235.
both = TCPServer(prog("fixsmtpio") + msmtpd(md2),
                 env=environ(CONTROLDIR=ctl, AUTHUP_USER="alice",
                             FIXSMTPIOTLS="1",
                             AUTHUP_HELO="EHLO client.example"), name="both")
c = SMTP(both.port)
is_(c.text(), "235 ok, go ahead (#2.0.0)",
    "FIXSMTPIOTLS and AUTHUP_USER: the greeting becomes the 235")
is_(c.cmd("QUIT"), "221 mx.example.org", "QUIT fixed up")
c.close()
both.stop()

pair = controldir("pair", me="mx.example.org\n",
                  fixsmtpio=":greeting::220*::220 first\n"
                  ":greeting::220 first*::\n")
first = TCPServer(prog("fixsmtpio") + msmtpd(md2),
                  env=environ(CONTROLDIR=pair), name="pair")
c = SMTP(first.port)
is_(c.text(), "220 first", "a rule pair the two readings tell apart: the "
    "second glob never sees what the first made")
c.close()
first.stop()
done()
