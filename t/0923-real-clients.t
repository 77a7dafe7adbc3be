#!/usr/bin/env python3
"""Real clients against the whole chain on all five services (the demo's
topology): swaks, python3 smtplib and poplib, curl (smtp, smtps, pop3,
pop3s), openssl s_client, gnutls-cli, and msmtp as a submission client.
Under VALGRIND=1 every program of the suite in the chain runs under
memcheck, and the last test checks that no process reported an error or
a leak."""

import os
import poplib
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from chain import PASSWORD, USER, Chain  # noqa: E402

chain = Chain()
ca = chain.ca.cert
msgs = 0


def run(argv, stdin=None, name=None):
    r = subprocess.run(argv, input=stdin, capture_output=True, timeout=180)
    if r.returncode:
        diag("%s: exit %d\n%s" % (name or argv[0], r.returncode,
                                  (r.stdout + r.stderr).decode(errors="replace")))
    return r


def swaks(port, *extra):
    return run(["swaks", "--server", "127.0.0.1:%d" % port,
                "--from", "alice@example.org", "--to", "bob@example.net",
                "--tls-verify", "--tls-ca-path", ca,
                "--tls-sni", "mx.example.org", "--timeout", "120"] +
               list(extra))


auth = ["--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD]
r = swaks(chain.port("smtp"), "--tls", "--header", "Subject: swaks 25")
ok(r.returncode == 0 and b"<~  250 " in r.stdout,
   "swaks --tls on the SMTP port")
r = swaks(chain.port("submission"), "--tls", *auth,
          "--header", "Subject: swaks 587")
ok(r.returncode == 0 and b"<~  235 " in r.stdout,
   "swaks --tls --auth on submission")
r = swaks(chain.port("smtps"), "--tls-on-connect", "--auth", "LOGIN",
          "--auth-user", USER, "--auth-password", PASSWORD,
          "--header", "Subject: swaks 465")
ok(r.returncode == 0 and b"<~  235 " in r.stdout,
   "swaks --tls-on-connect --auth LOGIN on implicit TLS")
msgs += 3

s = chain.smtp("submission")
s.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: smtplib 587\r\n\r\nhello\r\n")
s.quit()
s = chain.smtp("smtps")
s.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: smtplib 465\r\n\r\nhello\r\n")
s.quit()
ok(True, "smtplib: STARTTLS+login() on submission, SMTP_SSL on 465")
msgs += 2

body = os.path.join(TMP, "curl.eml")
with open(body, "wb") as fh:
    fh.write(b"Subject: curl\r\n\r\nhello from curl\r\n")
for url, extra in (("smtp://127.0.0.1:%d/c.example" % chain.port("smtp"),
                    ["--ssl-reqd"]),
                   ("smtp://127.0.0.1:%d/c.example" %
                    chain.port("submission"),
                    ["--ssl-reqd", "--user", "%s:%s" % (USER, PASSWORD)]),
                   ("smtps://127.0.0.1:%d/c.example" % chain.port("smtps"),
                    ["--user", "%s:%s" % (USER, PASSWORD)])):
    r = run(["curl", "-sS", "--max-time", "120", "--cacert", ca,
             "--resolve", "mx.example.org:%s:127.0.0.1" % url.split(":")[2]
             .split("/")[0], url.replace("127.0.0.1", "mx.example.org"),
             "--mail-from", "alice@example.org",
             "--mail-rcpt", "bob@example.net", "-T", body] + extra)
    is_(r.returncode, 0, "curl %s" % url.split(":")[0] + " " + " ".join(
        extra[:1]))
    msgs += 1

# msmtp as a submission client, STARTTLS and implicit TLS.
for port, starttls in ((chain.port("submission"), "on"),
                       (chain.port("smtps"), "off")):
    r = run(["msmtp", "--host=127.0.0.1", "--port=%d" % port, "--tls=on",
             "--tls-starttls=%s" % starttls, "--tls-trust-file=%s" % ca,
             "--tls-host-override=mx.example.org", "--auth=plain",
             "--user=%s" % USER, "--passwordeval=echo '%s'" % PASSWORD,
             "--from=alice@example.org", "bob@example.net"],
            stdin=b"Subject: msmtp\r\n\r\nhello from msmtp\r\n")
    is_(r.returncode, 0, "msmtp, tls-starttls=%s" % starttls)
    msgs += 1

# openssl s_client and gnutls-cli do STARTTLS; the session inside is
# driven line by line, waiting for each reply as a client must.


def drive(argv, name):
    p = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
              stderr=subprocess.DEVNULL)
    seen = []

    def until(code):
        while True:
            line = p.stdout.readline()
            if not line:
                return False
            seen.append(line)
            if line.startswith(code + b" "):
                return True

    steps = [(b"EHLO c.example", b"250"), (b"MAIL FROM:<a@b.example>", b"250"),
             (b"RCPT TO:<c@d.example>", b"250"), (b"DATA", b"354"),
             (b"Subject: %s\r\n\r\nhi\r\n." % name.encode(), b"250"),
             (b"QUIT", b"221")]
    done_ = True
    for line, code in steps:
        p.stdin.write(line + b"\r\n")
        p.stdin.flush()
        if not until(code):
            done_ = False
            break
    p.stdin.close()
    stop(p)
    if not done_:
        diag("%s: %r" % (name, b"".join(seen)))
    return done_


ok(drive(["openssl", "s_client", "-quiet", "-starttls", "smtp", "-connect",
          "127.0.0.1:%d" % chain.port("smtp"), "-CAfile", ca,
          "-verify_return_error", "-servername", "mx.example.org"],
         "openssl"), "openssl s_client -starttls smtp: a message and QUIT")
ok(drive(["gnutls-cli", "--starttls-proto=smtp", "--x509cafile=" + ca,
          "--port=%d" % chain.port("smtp"), "--sni-hostname=mx.example.org",
          "--verify-hostname=mx.example.org", "127.0.0.1"], "gnutls-cli"),
   "gnutls-cli --starttls-proto=smtp: a message and QUIT")
msgs += 2

got = messages(chain.md, msgs, timeout=60)
is_(len(chain.delivered()), msgs, "all %d messages delivered" % msgs)

# POP3: poplib with STLS and over implicit TLS, curl pop3 and pop3s.
ctx = chain.context()
p = poplib.POP3("127.0.0.1", chain.port("pop3"), timeout=120)
p.stls(context=ctx)
p.user(USER)
p.pass_(PASSWORD)
is_(p.stat()[0], msgs, "poplib stls(), user/pass_: every message there")
p.quit()
p = poplib.POP3_SSL("127.0.0.1", chain.port("pop3s"), context=ctx,
                    timeout=120)
p.user(USER)
p.pass_(PASSWORD)
resp, lines, octets = p.retr(1)
ok(any(l.startswith(b"Subject: ") for l in lines), "poplib POP3_SSL: RETR")
p.quit()
for url, extra in (("pop3://mx.example.org:%d/" % chain.port("pop3"),
                    ["--ssl-reqd"]),
                   ("pop3s://mx.example.org:%d/1" % chain.port("pop3s"),
                    [])):
    port = url.split(":")[2].split("/")[0]
    r = run(["curl", "-sS", "--max-time", "120", "--cacert", ca,
             "--resolve", "mx.example.org:%s:127.0.0.1" % port, url,
             "--user", "%s:%s" % (USER, PASSWORD)] + extra)
    ok(r.returncode == 0 and r.stdout, "curl %s" % url.split(":")[0])

logs = "\n".join(chain.logs().values())
ok(not re.search(r"(ucspitlsd|authup|fixsmtpio|checkpassword-cdb): "
                 r"(fatal|warning)", logs), "no fatal or warning line")
chain.stop()
done()
