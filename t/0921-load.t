#!/usr/bin/env python3
"""Load on the TLS submission chain (ucspitlsd, authup, checkpassword-cdb,
checknotroot, fixsmtpio, msmtpd): 64 sessions in parallel, 2,000 messages
in all, each session with STARTTLS and AUTH. None lost or duplicated, no
process left behind, every session's exit logged with a normal status and
no program of the suite complaining."""

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from chain import Chain  # noqa: E402

SESSIONS, TOTAL = (8, 80) if VALGRIND else (64, 2000)
chain = Chain(services=("submission",), limit=SESSIONS + 8)
errors = []
lock = threading.Lock()


def worker(k):
    ids = range(k, TOTAL, SESSIONS)
    try:
        s = chain.smtp("submission", timeout=300)
        for i in ids:
            body = (b"X-Load-Id: %d\r\nSubject: load %d\r\n\r\n" % (i, i) +
                    b"line of message %d\r\n" % i * (1 + i % 40))
            s.sendmail("alice@example.org", ["bob@example.net"], body)
        s.quit()
    except Exception as e:  # noqa: BLE001
        with lock:
            errors.append("session %d: %r" % (k, e))


threads = [threading.Thread(target=worker, args=(k,))
           for k in range(SESSIONS)]
for t in threads:
    t.start()
for t in threads:
    t.join(900)
is_(errors, [], "%d sessions in parallel, %d messages: every command "
    "accepted" % (SESSIONS, TOTAL))

ids = []
for f in chain.delivered():
    with open(f, "rb") as fh:
        m = re.search(rb"^X-Load-Id: (\d+)\r?$", fh.read(), re.M)
    ids.append(int(m.group(1)) if m else -1)
is_(len(ids), TOTAL, "%d messages delivered" % TOTAL)
is_(sorted(ids), list(range(TOTAL)), "none lost, none duplicated")

srv = chain.servers["submission"]
ends = srv.ends(SESSIONS, timeout=120)
is_(ends, [0] * SESSIONS, "every session ended with status 0")
log = srv.text()
accepted = re.findall(r"authup: info: [0-9a-f]{16}: pid \d+: smtp: user alice from "
                      r"127\.0\.0\.1: accepted \(session exit 0\)", log)
is_(len(accepted), SESSIONS, "authup logged each accepted session")
bad = [l for l in log.splitlines()
       if re.match(r"(ucspitlsd|authup|fixsmtpio|checkpassword-cdb|"
                   r"checknotroot|qmail-qfilter-addtlsheader): "
                   r"(fatal|warning)", l)]
is_(bad, [], "no fatal or warning line from any program")
chain.stop()

# Nothing left: no process runs a program of this build or serves this
# test's Maildir, once those that were ending (valgrind writes its report
# on the way out) are gone.


def leftovers():
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as fh:
                argv = fh.read()
        except OSError:
            continue
        if TMP.encode() in argv:
            out.append(argv.replace(b"\0", b" ")[:120])
    return out


deadline = time.time() + 60
left = leftovers()
while left and time.time() < deadline:
    time.sleep(0.2)
    left = leftovers()
is_(left, [], "no process left behind")
done()
