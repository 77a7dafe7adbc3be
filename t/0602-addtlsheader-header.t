#!/usr/bin/env python3
# qmail-qfilter-addtlsheader with SSL_PROTOCOL and SSL_CIPHER set: one
# Received: field on top, naming fixsmtpio or authup's user when set, dated
# now in the local zone, valid to a mail parser, never broken by hostile
# variables; the message after it unchanged.
import datetime
import email
import email.policy
import email.utils
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *

NAME = "qmail-qfilter-addtlsheader"
AES = "TLS_AES_256_GCM_SHA384"
MSG = (b"Received: (qmail 4711 invoked from network); 23 Nov 2026\n"
       b"From: alice@example.org\nSubject: hello\n\nbody\n")
DATE = r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"


def run(data, **env):
    p = subprocess.run(prog(NAME), input=data, env=environ(**env),
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def split(out):
    """The added header (all lines up to the one that ends in the date)
    and the rest."""
    m = re.match(rb"Received: [^\n]*(\n [^\n]*)*?" + DATE.encode() + rb"\n",
                 out)
    if not m:
        return None, out
    return out[:m.end()], out[m.end():]


def tls(comment, data=MSG, tz="UTC0", zone="+0000", **env):
    """Runs with the TLS variables and checks the header and the rest."""
    env = dict({"SSL_PROTOCOL": "TLSv1.3", "SSL_CIPHER": AES, "TZ": tz}, **env)
    code, out, err = run(data, **env)
    header, rest = split(out)
    name = comment
    if not ok(code == 0 and err == b"" and header is not None,
              "%s: exit 0, a header" % name):
        diag("exit %d, stderr %r, out %r" % (code, err, out[:300]))
        return None
    text = header.decode("ascii")
    lines = text.split("\n")[:-1]
    ok(all(len(line) <= 78 for line in lines) and
       all(line.startswith(" ") for line in lines[1:]),
       "  folded into lines of at most 78 characters")
    unfolded = text.replace("\n ", " ")
    like(unfolded, r"^Received: \(" + re.escape(comment) + r"\); " + DATE +
         r"\n$", "  says: (%s); and a date" % comment)
    when = email.utils.parsedate_to_datetime(unfolded.split("; ", 1)[1])
    now = datetime.datetime.now(datetime.timezone.utc)
    ok(abs((when - now).total_seconds()) < 600 and
       unfolded.rstrip("\n").endswith(" " + zone),
       "  the date is now, in zone %s" % zone)
    ok(rest == data, "  the message follows unchanged")
    return out


tls("TLSv1.3 cipher " + AES)
out = tls("fixsmtpio TLSv1.3 cipher " + AES, FIXSMTPIOTLS="1")
ok(out.startswith(b"Received: (fixsmtpio TLSv1.3 cipher " + AES.encode() +
                  b");\n "), "  exactly as documented")
tls("fixsmtpio TLSv1.3 cipher " + AES, FIXSMTPIOTLS="")
tls("authup user alice@example.org, TLSv1.3 cipher " + AES,
    AUTHUP_USER="alice@example.org")
tls("authup user bob, fixsmtpio TLS1.2 cipher ECDHE-RSA-AES128-GCM-SHA256",
    AUTHUP_USER="bob", FIXSMTPIOTLS="1", SSL_PROTOCOL="TLS1.2",
    SSL_CIPHER="ECDHE-RSA-AES128-GCM-SHA256")
tls("TLSv1.3 cipher " + AES, AUTHUP_USER="")

tls("TLSv1.3 cipher " + AES, tz="IST-5:30", zone="+0530")
tls("TLSv1.3 cipher " + AES, tz="<-0330>3:30", zone="-0330")
tls("TLSv1.3 cipher " + AES, tz="<+1245>-12:45", zone="+1245")

out = tls("TLSv1.3 cipher " + AES, data=b"")
tls("TLSv1.3 cipher " + AES, data=b"Subject: x\n\nno final newline")
tls("TLSv1.3 cipher " + AES, data=bytes(range(256)) * 16)

# A mail parser sees one more Received: field, first, and the same rest.
out = tls("fixsmtpio TLSv1.3 cipher " + AES, FIXSMTPIOTLS="1")
msg = email.message_from_bytes(out, policy=email.policy.default)
got = [str(v) for v in msg.get_all("Received")]
is_(len(got), 2, "a mail parser finds two Received: fields")
like(got[0], r"^\(fixsmtpio TLSv1\.3 cipher " + AES + r"\); " + DATE + "$",
     "  ours first")
is_(msg["Subject"], "hello", "  and the message's own fields after it")
is_(msg.defects, [], "  with no defect")

# Hostile variables: line ends, a forged field, a header end, parentheses,
# 8-bit bytes, 10 KiB. The header stays one field of short lines, the
# message after it is untouched, and nothing is injected.
hostile = [
    ("CR LF and a field in SSL_PROTOCOL",
     {"SSL_PROTOCOL": "TLSv1.3\r\nX-Injected: yes"},
     "TLSv1.3??X-Injected??yes cipher " + AES),
    ("a forged Received: in SSL_CIPHER",
     {"SSL_CIPHER": "A\nReceived: (x); Mon, 1 Jan 2001 00:00:00 +0000\n"},
     "TLSv1.3 cipher A?Received???x???Mon??1?Jan?2001?00?00?00?+0000?"),
    ("an end of header in AUTHUP_USER",
     {"AUTHUP_USER": "alice\n\nX-Injected: yes"},
     "authup user alice??X-Injected??yes, TLSv1.3 cipher " + AES),
    ("parentheses and backslashes",
     {"AUTHUP_USER": "a)(b\\", "SSL_CIPHER": "c)d"},
     "authup user a??b?, TLSv1.3 cipher c?d"),
    ("8-bit bytes",
     {"AUTHUP_USER": b"j\xc3\xbcrgen", "SSL_PROTOCOL": b"TLS\xff"},
     "authup user j??rgen, TLS? cipher " + AES),
    ("10 KiB values",
     {"AUTHUP_USER": "u" * 10240, "SSL_PROTOCOL": "p" * 10240,
      "SSL_CIPHER": "\n" * 10240},
     "authup user %s..., %s... cipher %s..." % ("u" * 61, "p" * 61,
                                                 "?" * 61)),
]
for name, env, comment in hostile:
    out = tls(comment, **env)
    if out is None:
        continue
    ok(not re.search(rb"^X-Injected", out, re.M) and
       out.count(b"Received:") == 2, "  nothing injected (%s)" % name)

done()
