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
is_(rules("check", path, "more")[0], 100, "usage with two files: 100")

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
like(log, r"fixsmtpio: warning: [0-9a-f]{16}: \S+fixsmtpio.cdb is older than \S+: using "
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
# check without FILE: the rules fixsmtpio reads; a missing file is "no
# rules", which a wrong CONTROLDIR gives too: a warning says so.
def rules_env(*args, stdin=b"", **env):
    r = subprocess.run(RULES + list(args), capture_output=True, timeout=60,
                       input=stdin, env=environ(**env))
    return r.returncode, r.stdout.decode(), r.stderr.decode()


empty = controldir("c-empty", me="mx.example.org\n")
code, out, err = rules_env("check", CONTROLDIR=empty)
is_(code, 0, "check, no control/fixsmtpio: exit 0 (no rules is fine)")
like(err, r"warning: \S+c-empty/fixsmtpio does not exist: fixsmtpio runs "
     r"with no rules \(is CONTROLDIR right\?\)", "  but says so")
is_(rules_env("check", "-s", CONTROLDIR=empty)[0], 100, "  -s: exit 100")
with open(os.path.join(empty, "fixsmtpio"), "w") as fh:
    fh.write(":ehlo::*:300:\n")
code, out, err = rules_env("check", CONTROLDIR=empty)
is_(code, 100, "check without FILE reads control/fixsmtpio")
like(err, r"c-empty/fixsmtpio:1:10: exit code 300", "  and names it")

# test: a server reply on stdin, the client's on stdout; the rules that
# fired (FILE:LINE) and the exit code on stderr.
tdir = controldir("c-test", me="mx.example.org\n")
tfile = os.path.join(tdir, "fixsmtpio")
with open(tfile, "w") as fh:
    fh.write("# the example's first rules\n"
             ":greeting::2*::&fixsmtpio_fixup\n"
             "AUTHUP_USER:greeting::2*::235 ok, go ahead (#2.0.0)\n"
             "MODE:ehlo::250?AUTH*::\n"
             ":rcpt::451 GL*:7:451 greylisted\n"
             "AUTHUP_USER:clienteof::*:0:\n"
             ":auth:NOOP :*::503 no\n")
cases = [
    ((tfile, "greeting"), b"220 localhost ESMTP msmtpd\r\n",
     (0, "220 mx.example.org ESMTP\n", tfile + ":2\n"),
     "greeting: the fixup, the rule that fired"),
    (("-e", "AUTHUP_USER", tfile, "greeting"), b"220 x\n",
     (0, "235 ok, go ahead (#2.0.0)\n", tfile + ":2\n" + tfile + ":3\n"),
     "-e AUTHUP_USER: the 235 rule too (both fire, the last acts)"),
    (("-e", "MODE=x", tfile, "EHLO"), b"250-x\n250-AUTH PLAIN\n250 SIZE\n",
     (0, "250-x\n250 SIZE\n", tfile + ":4\n"),
     "-e NAME=VALUE, an event in capitals: AUTH removed"),
    ((tfile, "ehlo"), b"250-x\n250-AUTH PLAIN\n250 SIZE\n",
     (0, "250-x\n250-AUTH PLAIN\n250 SIZE\n", ""),
     "without the variable, the rule does not apply"),
    ((tfile, "rcpt"), b"451 GL - temporary\n",
     (0, "451 greylisted\n", tfile + ":5\nexit code 7\n"),
     "a rule's exit code"),
    (("-e", "AUTHUP_USER", tfile, "clienteof"), b"",
     (0, "", tfile + ":6\nexit code 0\n"), "clienteof: no reply, an exit code"),
    ((tfile, "auth"), b"250 ok\n",
     (0, "503 no\n", "request prefix: NOOP \n" + tfile + ":7\n"),
     "a request prefix is shown"),
]
for args, stdin, want, name in cases:
    is_(rules_env("test", *args, stdin=stdin, CONTROLDIR=tdir), want,
        "test: " + name)
code, out, err = rules_env("test", tfile, "rcpt", stdin=b"not a reply\n",
                           CONTROLDIR=tdir)
is_(code, 100, "test: a line that is not a reply line: exit 100")
like(err, r"not a reply line: not a reply", "  says so")
badfile = os.path.join(tdir, "bad")
with open(badfile, "w") as fh:
    fh.write(":ehlo::*:300:\n")
code, out, err = rules_env("test", badfile, "ehlo", stdin=b"250 x\n",
                           CONTROLDIR=tdir)
is_(code, 100, "test: a file with errors: exit 100")
for args in (["test"], ["test", tfile], ["test", "-e", "X"],
             ["test", "-e", "X", tfile], ["test", tfile, "a", "b"]):
    is_(rules_env(*args, CONTROLDIR=tdir)[0], 100, "usage %r: 100" % args)
done()
