#!/usr/bin/env python3
"""Message integrity through the whole chain: 300 generated messages (0
bytes to 8 MiB; 8-bit bytes, lines that start with '.', lines of 998
octets, a final line without CR LF, random headers) sent through the
SMTP port with and without STARTTLS, submission (STARTTLS and AUTH) and
implicit TLS submission. Each delivered message is compared with what was
sent: only the trace headers the servers add (msmtpd's Received: and
qmail-qfilter-addtlsheader's) may differ, and the store's LF line ends
(msmtpd writes LF, as qmail's queue does). Zero lost, zero altered."""

import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from chain import Chain  # noqa: E402

rng = random.Random(20261201)
K, M = 1024, 1024 * 1024
COUNT = 60 if VALGRIND else 300
BIG = [8 * M, 3 * M, M + 17] if not VALGRIND else [M]


def body_line(size):
    """One line of printable, 8-bit and dot-leading text, size octets."""
    kind = rng.random()
    if kind < 0.1:
        return b"." + bytes(rng.choice(b".abc xyz") for _ in range(size - 1))
    if kind < 0.2:
        return bytes(rng.randrange(0x80, 0x100) for _ in range(size))
    return bytes(rng.randrange(0x20, 0x7f) for _ in range(size))


def message(i, size):
    """Message i with a body of about size octets (CR LF lines)."""
    head = [b"X-Test-Id: %d" % i, b"Subject: integrity %d" % i]
    for _ in range(rng.randrange(0, 6)):
        name = "X-%s" % "".join(rng.choice("abcdefgh") for _ in range(6))
        head.append(name.encode() + b": " + body_line(rng.randrange(1, 70)))
    rng.shuffle(head)
    lines = []
    total = 0
    while total < size:
        n = rng.choice([0, 1, 40, 76, 998, rng.randrange(1, 998)])
        n = min(n, size - total) if size - total > 0 else 0
        lines.append(body_line(n) if n else b"")
        total += n + 2
    if size == 0:
        lines = []
    text = b"\r\n".join(head) + b"\r\n\r\n" + b"\r\n".join(lines)
    if rng.random() < 0.5 or not lines:
        text += b"\r\n"  # else the final line has no CR LF
    return text


def sizes():
    out = [0, 1, 2, 997, 998, 999, 1000] + BIG
    while len(out) < COUNT:
        out.append(int(rng.lognormvariate(7, 2.2)) % (512 * K))
    return out[:COUNT]


def expected(text):
    """What the store holds for text: LF line ends, and an LF after a final
    line that had none (SMTP ends it)."""
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    return text.replace(b"\r\n", b"\n")


TRACE = re.compile(rb"\A(?:Received: [^\n]*\n(?:[ \t][^\n]*\n)*)+")


def strip_trace(stored):
    m = TRACE.match(stored)
    return stored[m.end():] if m else stored, (m.group(0) if m else b"")


chain = Chain(services=("smtp", "submission", "smtps"))
msgs = [message(i, n) for i, n in enumerate(sizes())]
routes = [("smtp", False), ("smtp", True), ("submission", True),
          ("smtps", None)]
sent = {}
per_session = 10
for start in range(0, len(msgs), per_session):
    name, tls = routes[(start // per_session) % len(routes)]
    s = chain.smtp(name, starttls=tls)
    for i in range(start, min(start + per_session, len(msgs))):
        s.sendmail("sender@example.org", ["alice@example.org"], msgs[i])
        sent[i] = (name, tls)
    s.quit()
is_(len(sent), len(msgs), "%d messages sent, every one accepted (250)"
    % len(msgs))

files = chain.delivered()
is_(len(files), len(msgs), "as many delivered: none lost, none doubled")
seen = {}
altered = []
for f in files:
    with open(f, "rb") as fh:
        stored = fh.read()
    rest, trace = strip_trace(stored)
    m = re.search(rb"^X-Test-Id: (\d+)$", rest, re.M)
    if not m:
        altered.append(f)
        continue
    i = int(m.group(1))
    seen[i] = seen.get(i, 0) + 1
    if rest != expected(msgs[i]):
        altered.append(f)
        continue
    name, tls = sent[i]
    tls_headers = re.findall(rb"^Received: \((?:authup user alice, |"
                             rb"fixsmtpio )?TLSv1\.[23] cipher ", trace,
                             re.M)
    want = 0 if (name, tls) == ("smtp", False) else 1
    if len(tls_headers) != want:
        altered.append(f)
is_(sorted(seen), list(range(len(msgs))), "every message is there once")
is_(altered, [], "none altered; each has its TLS Received header when it "
    "came over TLS, and none when it did not")
sizes_sent = sum(len(m) for m in msgs)
diag("%d messages, %.1f MiB, the largest %.1f MiB" %
     (len(msgs), sizes_sent / M, max(len(m) for m in msgs) / M))
chain.stop()
done()
