#!/usr/bin/env python3
"""The logs of one connection through the whole chain, as an admin greps
them: every line of ucspitlsd, authup, checkpassword-cdb and fixsmtpio
carries the same session ID, made once per connection (or taken from
SESSIONID when a program before them made it); each program ends the
connection with one summary line (ucspitlsd: protocol, cipher, SNI,
resumption, client certificate, bytes, duration, how it ended; authup:
user, mechanism, result; fixsmtpio: commands, messages, bytes, exit code),
and port 25 says whether TLS was used and how."""

import os
import poplib
import re
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from chain import PASSWORD, USER, Chain  # noqa: E402

OURS = ("ucspitlsd", "authup", "checkpassword-cdb", "checknotroot",
        "fixsmtpio", "qmail-qfilter-addtlsheader")
LINE = re.compile(r"^(%s): (\w+): (?:([0-9A-Za-z._-]{1,64}): )?(.*)$"
                  % "|".join(re.escape(p) for p in OURS))


def our_lines(text):
    """(program, kind, ID or None, rest) for each line of the suite's."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            out.append(m.groups())
    return out


def fields(summary):
    """A summary line's key=value pairs (values may be quoted)."""
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', summary))


def one_connection(srv, programs, name):
    """Waits for each program's summary line; then every line of the
    suite's in srv's log carries one ID. Returns the summaries' fields."""
    got = {p: srv.summaries(p) for p in programs}
    for p in programs:
        is_(len(got[p]), 1, "%s: one summary line from %s" % (name, p))
    lines = our_lines(srv.text())
    ids = {sid for _, _, sid, _ in lines}
    ok(len(ids) == 1 and None not in ids and len(lines) >= len(programs),
       "%s: all %d lines of %s carry the same session ID"
       % (name, len(lines), ", ".join(sorted({p for p, _, _, _ in lines}))))
    if len(ids) != 1:
        diag(srv.text())
    return {p: fields(got[p][0]) if got[p] else {} for p in programs}


chain = Chain(services=("smtp", "submission", "pop3"), name="logs")
TLS = r"^TLSv1\.[23]$"

# Submission: STARTTLS, a wrong password (smtplib tries it with PLAIN,
# then LOGIN), the right one, a message.
c = smtplib.SMTP("127.0.0.1", chain.port("submission"), timeout=60)
c.ehlo("client.example")
c.starttls(context=chain.context())
c.ehlo("client.example")
try:
    c.login(USER, "wrong")
    ok(False, "submission: the wrong password is refused")
except smtplib.SMTPAuthenticationError:
    ok(True, "submission: the wrong password is refused")
c.login(USER, PASSWORD)
c.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: logs\r\n\r\nhello\r\n")
c.quit()
srv = chain.servers["submission"]
srv.ends(1)
f = one_connection(srv, ("ucspitlsd", "authup", "fixsmtpio"), "submission")
tls, auth, fix = f["ucspitlsd"], f["authup"], f["fixsmtpio"]
like(tls.get("tls", ""), TLS, "ucspitlsd: the protocol")
like(tls.get("cipher", ""), r"^TLS_\w+$", "ucspitlsd: the cipher")
is_([tls.get(k) for k in ("ip", "mode", "sni", "resumed", "client", "end")],
    ["127.0.0.1", "starttls", "-", "no", "none", "closed"],
    "ucspitlsd: the client, the mode, no SNI (smtplib sends none for an "
    "address), no resumption, no client certificate, a clean end")
ok(int(tls.get("in", 0)) > 100 and int(tls.get("out", 0)) > 100,
   "ucspitlsd: the bytes each way through TLS (%s in, %s out)"
   % (tls.get("in"), tls.get("out")))
like(tls.get("seconds", ""), r"^\d+\.\d{3}$", "ucspitlsd: the duration")
is_([auth.get(k) for k in ("protocol", "user", "mechanism", "attempts",
                           "result", "exit")],
    ["smtp", "alice", "PLAIN", "3", "accepted", "0"],
    "authup: the user, the mechanism, three attempts, accepted, exit 0")
like(auth.get("tls", ""), TLS, "authup: under TLS")
is_([fix.get(k) for k in ("user", "messages", "refused", "exit")],
    ["alice", "1", "0", "0"], "fixsmtpio: the user, one message, exit 0")
ok(int(fix.get("commands", 0)) >= 4 and int(fix.get("in", 0)) > 0 and
   int(fix.get("out", 0)) > 0, "fixsmtpio: its commands and bytes (%s, %s "
   "in, %s out)" % (fix.get("commands"), fix.get("in"), fix.get("out")))
attempts = [rest for p, kind, _, rest in our_lines(srv.text())
            if p == "authup" and kind == "info" and "summary:" not in rest]
is_(len(attempts), 3, "authup: a line for each attempt")
like("\n".join(attempts[:2]), r"^(pid \d+: smtp: user alice from "
     r"127\.0\.0\.1: rejected(\n|$)){2}$",
     "  the rejections, with the client's address")

# Port 25, STARTTLS offered: TLS used, and then not.
for use_tls in (True, False):
    name = "port 25 %s STARTTLS" % ("with" if use_tls else "without")
    smtp = chain.servers["smtp"]
    before = len(smtp.text())
    c = chain.smtp("smtp", starttls=use_tls)
    c.sendmail("a@example.org", ["alice@example.org"], b"Subject: 25\r\n\r\nx\r\n")
    c.quit()
    n = 1 if use_tls else 2
    smtp.ends(n)
    tl = smtp.summaries("ucspitlsd", n)[-1:]
    fx = smtp.summaries("fixsmtpio", n)[-1:]
    tl = fields(tl[0]) if tl else {}
    fx = fields(fx[0]) if fx else {}
    if use_tls:
        like(tl.get("tls", ""), TLS, "%s: ucspitlsd logs the protocol" % name)
        like(tl.get("cipher", ""), r"^TLS_\w+$", "%s: and the cipher" % name)
        is_(tl.get("end"), "closed", "%s: and a clean end" % name)
        like(fx.get("tls", ""), TLS, "%s: fixsmtpio says TLS too" % name)
    else:
        is_([tl.get(k) for k in ("tls", "cipher", "in", "out", "end")],
            ["none", "-", "0", "0", "no-starttls"],
            "%s: ucspitlsd logs that TLS was not used" % name)
        is_(fx.get("tls"), "-", "%s: and so does fixsmtpio" % name)
    is_([fx.get("messages"), fx.get("exit")], ["1", "0"],
        "%s: fixsmtpio: one message, exit 0" % name)
    ids = {sid for _, _, sid, _ in our_lines(smtp.text()[before:])}
    is_(len(ids), 1, "%s: one session ID on its lines" % name)

# POP3: STLS, USER and PASS.
p = poplib.POP3("127.0.0.1", chain.port("pop3"), timeout=60)
p.stls(context=chain.context())
p.user(USER)
p.pass_(PASSWORD)
p.quit()
srv = chain.servers["pop3"]
srv.ends(1)
f = one_connection(srv, ("ucspitlsd", "authup"), "pop3")
is_([f["authup"].get(k) for k in ("protocol", "user", "mechanism",
                                  "attempts", "result", "exit")],
    ["pop3", "alice", "USER", "1", "accepted", "0"],
    "authup pop3: USER and PASS, accepted")
chain.stop()

# checkpassword-cdb's lines carry the ID authup's do.
nodb = Chain(services=("submission",),
             env=dict(PASSWDCDB="/nonexistent/passwd.cdb"), name="nodb")
c = nodb.smtp("submission", login=False)
try:
    c.login(USER, PASSWORD)
except smtplib.SMTPException:
    pass
c.close()
srv = nodb.servers["submission"]
srv.ends(1)
f = one_connection(srv, ("ucspitlsd", "authup"), "no password database")
ok(any(p == "checkpassword-cdb" for p, _, _, _ in our_lines(srv.text())),
   "  checkpassword-cdb's line is one of them")
is_([f["authup"].get(k) for k in ("result", "attempts")], ["tempfail", "2"],
    "  authup's summary: temporary failures (PLAIN, then LOGIN)")
nodb.stop()

# SESSIONID from a program before the chain: taken when it is fit for a
# log line, else replaced by a fresh one.
ctl = controldir("plain", me="mx.example.org\n")
md = maildir()
for given, want, what in (
        ("lb-7.a_b", r"lb-7\.a_b", "taken as it is"),
        ("bad id", r"[0-9a-f]{16}", "with a space: replaced"),
        ("x" * 65, r"[0-9a-f]{16}", "longer than 64: replaced"),
        ("a:b", r"[0-9a-f]{16}", "with a colon: replaced")):
    srv = TCPServer(prog("fixsmtpio") + msmtpd(md),
                    env=environ(CONTROLDIR=ctl, SESSIONID=given),
                    name="sid-%d" % len(given))
    c = SMTP(srv.port)
    c.text()
    c.cmd("QUIT")
    srv.ends(1)
    like(" ".join(srv.summaries("fixsmtpio")),
         r"^ip=127\.0\.0\.1 ", "SESSIONID %r: a summary" % given)
    like(srv.text(), r"(?m)^fixsmtpio: info: %s: summary: " % want,
         "SESSIONID %r: %s" % (given, what))
    srv.stop()
done()
