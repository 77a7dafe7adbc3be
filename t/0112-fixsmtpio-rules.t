#!/usr/bin/env python3
"""fixsmtpio-rules check and compile, and which file fixsmtpio reads: the
cdb when it is not older than the text, else the text with a warning."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

RULES = prog("fixsmtpio-rules")


def rules(*args):
    r = subprocess.run(RULES + list(args), capture_output=True, timeout=60)
    return r.returncode, r.stderr.decode()


seed = os.path.join(TOP, "examples", "fixsmtpio")
is_(rules("check", seed), (0, ""), "the example rule set checks clean")

d = controldir("c1", me="mx.example.org\n")
path = os.path.join(d, "fixsmtpio")
with open(path, "w") as fh:
    fh.write(":ehlo::*:300:\n# fine\n:quit::*::&fixsmtpio_bogus\n"
             ":rcpt::*::&fixsmtpio_fixup\n:::*::\n:ok::*::250 fine\n")
code, err = rules("check", path)
is_(code, 100, "errors: exit 100")
for want in (":1:10: exit code 300 is not in 0-255",
             ":3:11: unknown directive &fixsmtpio_bogus",
             ":4:11: event rcpt has no fixup routine",
             ":5:2: event is missing",
             "4 errors"):
    ok(want in err, "reports %s" % want)
ok(err.startswith("fixsmtpio-rules: " + path + ":1:10:"),
   "each error names the file, line and column")

code, err = rules("compile", path)
is_(code, 100, "compile refuses a file with errors")
ok(not os.path.exists(path + ".cdb"), "and writes no cdb")

is_(rules("check", os.path.join(d, "nonexistent")),
    (111, "fixsmtpio-rules: fatal: unable to read %s/nonexistent: "
     "No such file or directory\n" % d), "missing file: 111")
is_(rules("frobnicate", path)[0], 100, "usage: 100")
is_(rules("check")[0], 100, "usage without file: 100")

# Defined answers for odd files.
odd = {
    "empty": (b"", 0),
    "crlf": (b":ehlo::2*::&fixsmtpio_fixup\r\n# c\r\n\r\n", 0),
    "onemib": (b":rcpt::451 x*::451 greylisted\n" * 36000, 0),
    "glob100k": (b":ehlo::" + b"a" * 102400 + b"::\n", 0),
    "response100k": (b":ehlo::*::250 " + b"a" * 102400 + b"\n", 100),
    "nul": (b":ehlo::*::250 a\x00b\n", 100),
    "cr": (b":ehlo::*::250 a\rb\n", 100),
}
for name, (text, want) in odd.items():
    p = os.path.join(d, name)
    with open(p, "wb") as fh:
        fh.write(text)
    code, err = rules("check", p)
    is_(code, want, "%s rule file (%d bytes): exit %d" % (name, len(text),
                                                         want))
    if want:
        ok(err.count("\n") <= 2, "%s: one short message" % name)

# What acceptutils took is taken: a warning with file:line:column, exit 0;
# -s makes warnings count (exit 100).
with open(path, "w") as fh:
    fh.write(":ehlo::2*::&fixsmtpio_fixup\n:helo::2*::hello there\n"
             ":quit::*:16abc:\n")
code, err = rules("check", path)
is_(code, 0, "warnings only: exit 0")
like(err, r"^fixsmtpio-rules: warning: \S+/fixsmtpio:2:12: response does "
     r"not start with a reply code", "a response without a reply code: "
     "warning with file:line:column")
like(err, r"warning: \S+/fixsmtpio:3:12: exit code 16abc: what follows 16 "
     r"is ignored", "digits then text: warning")
code, err2 = rules("check", "-s", path)
is_(code, 100, "check -s: warnings make it exit 100")
like(err2, r"2 warnings", "and says how many")
code, err = rules("compile", "-s", path)
is_(code, 100, "compile -s refuses a file with warnings")
ok(not os.path.exists(path + ".cdb"), "and writes no cdb")
code, err = rules("compile", path)
is_(code, 0, "compile takes a file with warnings")
ok("warning:" in err, "and shows them")
os.unlink(path + ".cdb")

# Compile, and fixsmtpio's choice of file.
with open(path, "w") as fh:
    fh.write(":greeting::*::220 from text\n")
is_(rules("compile", path), (0, ""), "compile: exit 0")
st = os.stat(path + ".cdb")
is_(oct(st.st_mode & 0o777), "0o644", "the cdb is world-readable, 0644")
ok(not [f for f in os.listdir(d) if ".tmp." in f], "no temporary file left")


def greeting(ctl):
    srv = TCPServer(prog("fixsmtpio") + [helper("fakesmtpd")],
                    env=environ(CONTROLDIR=ctl), name="g")
    c = SMTP(srv.port)
    text = c.text()
    srv.stop()
    return text, srv.text()


# The cdb says "from cdb" although the text says something else: make the
# text older than the cdb, and fixsmtpio must read the cdb.
with open(path, "w") as fh:
    fh.write(":greeting::*::220 from cdb\n")
is_(rules("compile", path)[0], 0, "compiled again")
with open(path, "w") as fh:
    fh.write(":greeting::*::220 from text\n")
t = os.stat(path + ".cdb").st_mtime
os.utime(path, (t - 10, t - 10))
g, log = greeting(d)
is_(g, "220 from cdb", "the cdb is used when not older than the text")
ok("warning" not in log, "no warning then")

os.utime(path, (t + 10, t + 10))
g, log = greeting(d)
is_(g, "220 from text", "a newer text wins over a stale cdb")
like(log, r"fixsmtpio: warning: \S+fixsmtpio.cdb is older than \S+: using "
     r"the text; run fixsmtpio-rules compile", "with one warning")

inode = os.stat(path + ".cdb").st_ino
with open(path, "w") as fh:
    fh.write(":greeting::*:999:\n")
is_(rules("compile", path)[0], 100, "compile with an error")
is_(os.stat(path + ".cdb").st_ino, inode, "leaves the old cdb in place")

os.unlink(path)
g, log = greeting(d)
is_(g, "220 from cdb", "the cdb alone is enough")

with open(path + ".cdb", "wb") as fh:
    fh.write(b"this is not a cdb file at all" * 100)
g, log = greeting(d)
is_(g, "421 4.3.0 unable to read controls", "a corrupt cdb: 421")
like(log, r"not a compiled rule file|unable to read", "and a message")
done()
