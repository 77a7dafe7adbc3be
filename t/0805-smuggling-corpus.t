#!/usr/bin/env python3
"""The generated SMTP smuggling corpus (t/smuggling.py): every sequence of up
to four bytes from {CR, LF, NUL, '.', SP, TAB, 'x'} at a line start inside a
message, in one write and split at every position, through fixsmtpio into
msmtpd and into the loosest stand-in server. Each case: the messages that
arrive are exactly those fixsmtpio saw, byte for byte as it said it
forwarded them; a message with a NUL or a bare CR is refused with 554 and
nothing of it arrives.

make check runs a sample (a fixed spread over the corpus);
SMUGGLING_CORPUS=all (make check-corpus) runs all of it."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
import smuggling  # noqa: E402

everything = list(smuggling.cases())
whole = os.environ.get("SMUGGLING_CORPUS") == "all"
if whole:
    work = everything
else:
    # A spread over the corpus, the same every run: every case of the
    # sequences of up to two bytes, then every n-th of the rest.
    short = [c for c in everything if len(c[0]) <= 2]
    rest = [c for c in everything if len(c[0]) > 2]
    step = 400 if VALGRIND else 60
    work = short + rest[::step]
    if VALGRIND:
        work = work[::8]

ctl = controldir(me="mx.example\n")
per_kind = 1 if VALGRIND else 2
targets = [smuggling.Target(kind, ctl, "%s%d" % (kind, i))
           for kind in ("msmtpd", "loosesmtpd") for i in range(per_kind)]
started = time.time()
count, failures = smuggling.run_all(targets, work)
for t in targets:
    t.stop()
diag("%d cases of %d (%s) in %.0f s" % (count, 2 * len(everything),
                                         "all" if whole else "a sample",
                                         time.time() - started))
is_(count, 2 * len(work), "every case ran against both servers")
# On standard error (failure()), so that prove shows them without -v: a
# case that fails once in a long run must say which it was.
for (kind, seq, split), problems in failures[:20]:
    failure("%s, sequence %r, %s: %s" % (kind, seq, "one write" if split is
                                         None else "split at %d" % split,
                                         "; ".join(problems)))
is_(len(failures), 0, "every case: the messages fixsmtpio saw arrive, "
    "and nothing else")

# A delivery that came late (after its session ended) would show here.
late = [t for t in targets if t.arrived()]
is_([t.name for t in late], [], "no message arrived after its session")
done()
