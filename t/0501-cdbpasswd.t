#!/usr/bin/env python3
# cdbpasswd: add, passwd, del, list and make on control/passwd and its cdb;
# every refusal of bad input, with the file and line it names; both files
# rewritten atomically, mode 0600, and left as they were on any error.
# Passwords go in on stdin only.
import os
import resource
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *

CTL = controldir("cdbpasswd")
TEXT = os.path.join(CTL, "passwd")
CDB = os.path.join(CTL, "passwd.cdb")
FATAL = "^cdbpasswd: fatal: "
NEXT_FATAL = "\ncdbpasswd: fatal: "
# Homes that exist, for checkpassword-cdb to change into as each user.
os.chmod(TMP, 0o711)
HOME = os.path.join(TMP, "home")
for d in ("alice", "bob", "carol home", "h"):
    os.makedirs(os.path.join(HOME, d), mode=0o755)
H = os.path.join(HOME, "h")
YES = r"\$y\$j9T\$[./0-9A-Za-z]+\$[./0-9A-Za-z]+"


def run(args, stdin=b"", env=None, limit=None):
    """cdbpasswd ARGS with stdin; (exit code, stdout, stderr)."""
    def fsize():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    p = subprocess.run(prog("cdbpasswd") + args, input=stdin,
                       env=environ(**(env or {"CONTROLDIR": CTL})),
                       capture_output=True, timeout=120,
                       preexec_fn=fsize if limit else None)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def login(name, password, env=None):
    """checkpassword-cdb's answer for name and password (exit code). Only a
    witness here, so never under valgrind (0500 runs it so)."""
    r, w = os.pipe()
    os.write(w, name.encode() + b"\0" + password.encode() + b"\0\0")
    os.close(w)
    p = subprocess.run([os.path.join(BUILD, "bin", "checkpassword-cdb"),
                        "true"],
                       env=environ(**(env or {"CONTROLDIR": CTL})),
                       capture_output=True, timeout=120, close_fds=False,
                       preexec_fn=lambda: on_fd3(r))
    os.close(r)
    return p.returncode


def on_fd3(fd):
    """In the child: fd becomes descriptor 3, inherited by exec."""
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


def snapshot():
    """Both files' bytes and inodes, to show that nothing changed."""
    out = []
    for path in (TEXT, CDB):
        st = os.stat(path)
        out.append((read(path), st.st_ino, st.st_mode & 0o7777))
    return out


def mode(path):
    return os.stat(path).st_mode & 0o7777


def leftovers():
    return sorted(f for f in os.listdir(CTL) if ".tmp." in f)


def refused(args, message, stdin=b"pw\n", what=None, code=100):
    """A refusal: the exit code, the message, and no change to the files."""
    before = snapshot()
    got, out, err = run(args, stdin)
    is_(got, code, "%s: exit %d" % (what or " ".join(args), code))
    like(err, message, "  says why")
    ok(snapshot() == before, "  neither file changed")
    is_(leftovers(), [], "  no temporary file left")
    return err


# Usage.
for args in ([], ["frob"], ["add", "a", "1", "1"], ["list", "x"],
             ["--no-such-option", "list"], ["del"]):
    code, out, err = run(args)
    is_(code, 100, "usage %r: exit 100" % (args,))
    like(err, r"^cdbpasswd: usage: cdbpasswd \[--allow-root\] add USER UID "
         r"GID HOME \| passwd USER \| del USER \| list \| make\n$",
         "  prints the usage")

# Nothing yet.
code, out, err = run(["list"])
ok(code == 0 and out == "" and err == "", "list without a file: nothing")
code, out, err = run(["make"])
is_(code, 111, "make without a file: exit 111")
like(err, FATAL + "unable to read " + TEXT + ": No such file or directory$",
     "  says which file is missing")
code, out, err = run(["del", "alice"])
is_(code, 100, "del without a file: exit 100")
like(err, FATAL + r"unable to delete alice: no such user \(no file yet\)",
     "  no such user")
ok(not os.path.exists(CDB), "  and no cdb was made")

# add.
code, out, err = run(["add", "alice", "65534", "65534", HOME + "/alice"],
                     b"alice's secret\n")
ok(code == 0 and out == "" and err == "", "add alice: exit 0, silent")
text = read(TEXT).decode()
like(text, "^alice:" + YES + ":65534:65534:" + HOME + "/alice\n$",
     "  one line, a yescrypt hash at the default cost")
is_(mode(TEXT), 0o600, "  passwd is mode 0600")
is_(mode(CDB), 0o600, "  passwd.cdb is mode 0600")
ok(b"secret" not in read(TEXT) and b"secret" not in read(CDB),
   "  the password is in neither file")
is_(login("alice", "alice's secret"), 0, "  checkpassword-cdb takes it")
is_(login("alice", "alice's secreT"), 1, "  and refuses another")

run(["add", "bob", "1001", "100", HOME + "/bob"], b"bob pw\r\n")
is_(login("bob", "bob pw"), 0, "add bob: a CR LF line end is not part of it")
run(["add", "carol", "1002", "100", HOME + "/carol home"], b"carol")
is_(login("carol", "carol"), 0, "add carol: a password without a line end")
code, out, err = run(["list"])
is_(out, "alice:65534:65534:%s/alice\nbob:1001:100:%s/bob\n"
    "carol:1002:100:%s/carol home\n" % (HOME, HOME, HOME),
    "list: names, ids, homes")
ok("$" not in out, "  never a hash")

# passwd changes one hash and nothing else.
old = read(TEXT).decode().splitlines()
code, out, err = run(["passwd", "bob"], b"new bob pw\n")
ok(code == 0 and err == "", "passwd bob: exit 0")
new = read(TEXT).decode().splitlines()
ok(new[0] == old[0] and new[2] == old[2], "  alice's and carol's lines are "
   "as they were, byte for byte")
like(new[1], "^bob:" + YES + ":1001:100:" + HOME + "/bob$", "  bob's line has a "
     "new hash and the old ids and home")
ok(new[1] != old[1], "  which differs from the old")
is_(login("bob", "bob pw"), 1, "  the old password is refused")
is_(login("bob", "new bob pw"), 0, "  the new one taken")
refused(["passwd", "nobody"], FATAL + "unable to change the password of "
        "nobody: no such user$")

# del.
code, out, err = run(["del", "carol"])
ok(code == 0 and err == "", "del carol: exit 0")
is_(run(["list"])[1], "alice:65534:65534:%s/alice\nbob:1001:100:%s/bob\n"
    % (HOME, HOME),
    "  carol is gone from the text")
is_(login("carol", "carol"), 1, "  and from the cdb")
refused(["del", "carol"], FATAL + "unable to delete carol: no such user$")

# Modes are put back to 0600 on every rewrite.
os.chmod(TEXT, 0o644)
run(["passwd", "alice"], b"alice's secret\n")
is_(mode(TEXT), 0o600, "a 0644 text is 0600 again after passwd")
os.chmod(CDB, 0o644)
run(["make"])
is_(mode(CDB), 0o600, "a 0644 cdb is 0600 again after make")

# Refusals of the arguments of add.
ADD = "unable to add "
for name, home, why in (
        ("a:b", "/h", "the name holds a ':'"),
        ("a\x01b", "/h", "the name holds a byte that is not printable ASCII"),
        ("a b", "/h", "the name holds a byte that is not printable ASCII"),
        ("caf\u00e9", "/h", "the name holds a byte that is not printable"),
        ("", "/h", "the name is empty"),
        ("x" * 256, "/h", "the name is longer than 255 bytes"),
        ("dave", "home/dave", "the home is not an absolute path"),
        ("dave", "", "the home is empty"),
        ("dave", "/home/da:ve", "the home holds a ':'"),
        ("dave", "/home/da\nve", "the home holds a control character")):
    shown = name.encode("utf-8").decode("ascii", "backslashreplace")
    refused(["add", name, "1003", "100", home], FATAL + ADD + ".*" + why,
            what="add %r %r" % (shown[:20], home))
err = refused(["add", "a\x01b", "1", "1", "/h"], "", what="a control "
              "character in a name")
like(err, r"unable to add a\\x01b: ", "  is shown escaped")
for uid, gid, field in (("12a", "1", "uid"), ("-1", "1", "uid"),
                        ("", "1", "uid"), ("4294967295", "1", "uid"),
                        ("1", "x", "gid"), ("1", "99999999999", "gid")):
    refused(["add", "dave", uid, gid, "/h"], FATAL + ADD + "dave: the " +
            field + " is not a number from 0 to 4294967294$",
            what="add with uid %r gid %r" % (uid, gid))
refused(["add", "dave", "0", "100", "/root"], FATAL + ADD + r"dave: uid 0 "
        r"or gid 0 \(root\) needs --allow-root$", what="uid 0")
refused(["add", "dave", "1003", "0", "/h"], FATAL + ADD + r"dave: uid 0 "
        r"or gid 0 \(root\) needs --allow-root$", what="gid 0")
refused(["add", "alice", "1003", "100", "/h"], FATAL + ADD + "alice: "
        "already on line 1$", what="add a name already there")

# Refusals of the password.
refused(["add", "dave", "1003", "100", "/h"], FATAL + "unable to use the "
        "password: it is empty$", stdin=b"\n", what="an empty password")
refused(["add", "dave", "1003", "100", "/h"], FATAL + "unable to use the "
        "password: it is empty$", stdin=b"", what="no password at all")
refused(["passwd", "bob"], FATAL + "unable to use the password: longer "
        "than 256 bytes$", stdin=b"x" * 300 + b"\n", what="a 300-byte "
        "password")
refused(["passwd", "bob"], FATAL + "unable to use the password: it holds a "
        "NUL byte$", stdin=b"ab\0cd\n", what="a NUL in the password")
code, out, err = run(["add", "erin", "1004", "100", H], b"x" * 256 + b"\n")
is_(code, 0, "a 256-byte password is taken")
is_(login("erin", "x" * 256), 0, "  and checks")
run(["del", "erin"])

# Root needs --allow-root, on every rebuild that keeps it.
code, out, err = run(["--allow-root", "add", "root", "0", "0", "/root"],
                     b"root pw\n")
is_(code, 0, "add root with --allow-root")
lines = read(TEXT).decode().splitlines()
err = refused(["make"], "^cdbpasswd: " + TEXT + ":3: uid 0 or gid 0 "
              r"\(root\) needs --allow-root" + NEXT_FATAL + "unable to use " +
              TEXT + ": 1 bad line; nothing changed\n$", what="make while "
              "root is there")
refused(["passwd", "bob"], TEXT + ":3: uid 0", what="passwd bob while "
        "root is there")
is_(run(["--allow-root", "make"])[0], 0, "make --allow-root")
is_(run(["del", "root"])[0], 0, "del root needs no --allow-root")
is_(run(["make"])[0], 0, "  and make is fine again")

# Bad lines in the text, each named by its line; the cdb stays as it was.
good = read(TEXT)
hash_ = good.decode().splitlines()[0].split(":")[1]
BAD = [
    ("al:ice:%s:1:1:/h" % hash_, "not five fields name:hash:uid:gid:home"),
    ("al\x01ice:%s:1:1:/h" % hash_, "the name holds a byte that is not"),
    ("dave:%s:1:1" % hash_, "not five fields"),
    ("dave:%s:1:1:/h:x" % hash_, "not five fields"),
    ("dave:%s:one:1:/h" % hash_, "the uid is not a number"),
    ("dave:%s:1:-1:/h" % hash_, "the gid is not a number"),
    ("dave:%s:1:1:h" % hash_, "the home is not an absolute path"),
    ("dave:%s:1:1:/h\r" % hash_, "the home holds a control character"),
    ("dave:$1$abc$def:1:1:/h", r"the hash is not yescrypt \(\$y\$\), bcrypt"),
    ("dave:*:1:1:/h", r"the hash is not yescrypt"),
    ("", "an empty line"),
    ("bob:%s:1:1:/h" % hash_, "the name bob is already on line 2"),
]
for line, why in BAD:
    with open(TEXT, "wb") as fh:
        fh.write(good + line.encode() + b"\n")
    before_cdb = read(CDB), os.stat(CDB).st_ino
    code, out, err = run(["make"])
    is_(code, 100, "make with %r: exit 100" % line[:24])
    like(err, "^cdbpasswd: " + TEXT + ":3: " + why, "  names line 3")
    like(err, NEXT_FATAL + "unable to use " + TEXT + ": 1 bad line; "
         "nothing changed\n$", "  and changes nothing")
    ok((read(CDB), os.stat(CDB).st_ino) == before_cdb, "  the old cdb stays")
    is_(login("alice", "alice's secret"), 0, "  and still answers")
with open(TEXT, "wb") as fh:
    fh.write(b"x\n" + good + b"y:z\n")
code, out, err = run(["list"])
is_(code, 100, "list of a bad file: exit 100")
like(err, "^cdbpasswd: " + TEXT + ":1: not five fields.*\ncdbpasswd: " +
     TEXT + ":4: not five fields.*" + NEXT_FATAL + "unable to use " + TEXT +
     ": 2 bad lines", "  every bad line is named, in order")
is_(out, "", "  and nothing is listed")
with open(TEXT, "wb") as fh:
    fh.write(good)
os.chmod(TEXT, 0o600)

# A hand-added line is taken by make; the other kinds of hash check too.
for name, prefix, count in (("bcrypt", "$2b$", "5"), ("sha", "$6$", "5000")):
    h = subprocess.run([helper("mkhash"), prefix, count], input=b"kind pw\n",
                       capture_output=True, check=True).stdout.decode().strip()
    with open(TEXT, "ab") as fh:
        fh.write(("%s:%s:1005:100:%s\n" % (name, h, H)).encode())
    is_(run(["make"])[0], 0, "make after adding a %s line by hand" % prefix)
    is_(login(name, "kind pw"), 0, "  its user logs in")
    is_(login(name, "kind px"), 1, "  with that password only")
run(["del", "bcrypt"])
run(["del", "sha"])

# The dummy hash is made like the most common kind of hash: when crypt(3)
# refuses that one, the line is named.
with open(TEXT, "ab") as fh:
    fh.write(("x1:$y$abc:1:1:%s\nx2:$y$abc:1:1:%s\nx3:$y$abc:1:1:%s\n"
              % (H, H, H)).encode())
code, out, err = run(["make"])
is_(code, 100, "make when crypt(3) refuses the commonest hash: exit 100")
like(err, "^cdbpasswd: " + TEXT + r":3: crypt\(3\) refuses the hash" +
     NEXT_FATAL + "unable to use " + TEXT + ": 1 bad line", "  names its "
     "first line")
with open(TEXT, "wb") as fh:
    fh.write(good)

# Atomicity on a system error: the cdb (at least 2048 bytes) cannot be
# written under a 1024-byte file size limit, while the text can.
before = snapshot()
code, out, err = run(["add", "frank", "1006", "100", "/h"], b"pw\n",
                     limit=1024)
is_(code, 111, "add with a cdb too big to write: exit 111")
like(err, FATAL + "unable to write " + CDB + ": File too large$",
     "  says which file")
ok(snapshot() == before, "  neither file changed")
is_(leftovers(), [], "  no temporary file left")
is_(login("frank", "pw"), 1, "  frank is not there")
is_(login("alice", "alice's secret"), 0, "  alice still is")

# Killed in the middle (the file size signal at its default): whatever
# was written went to temporary files only.
if not VALGRIND:
    p = subprocess.run(prog("cdbpasswd") + ["add", "frank", "1006", "100",
                                             "/h"], input=b"pw\n",
                       env=environ(CONTROLDIR=CTL), capture_output=True,
                       preexec_fn=lambda: resource.setrlimit(
                           resource.RLIMIT_FSIZE, (1024, 1024)))
    is_(p.returncode, -signal.SIGXFSZ, "add killed while writing the cdb")
    ok([s[:2] for s in snapshot()] == [s[:2] for s in before],
       "  neither file changed")
    is_(login("alice", "alice's secret"), 0, "  the old cdb answers")
    for f in leftovers():
        os.unlink(os.path.join(CTL, f))
else:
    ok(True, "# SKIP killed while writing: valgrind's own files are limited")

# A text that cannot be read; a cdb that cannot be written.
code, out, err = run(["list"], env={"CONTROLDIR": CTL, "PASSWDFILE": CTL})
is_(code, 111, "PASSWDFILE a directory: exit 111")
like(err, FATAL + "unable to read " + CTL + ": Is a directory$", "  says so")
os.mkdir(os.path.join(CTL, "dir.cdb"))
code, out, err = run(["make"], env={"CONTROLDIR": CTL, "PASSWDCDB":
                                    os.path.join(CTL, "dir.cdb")})
is_(code, 111, "PASSWDCDB a directory: exit 111")
like(err, FATAL + "unable to write " + CTL + "/dir.cdb: Is a directory$",
     "  says so")
is_(leftovers(), [], "  no temporary file left")

# PASSWDFILE and PASSWDCDB put the files anywhere.
other = controldir("elsewhere")
env = {"CONTROLDIR": CTL, "PASSWDFILE": os.path.join(other, "users"),
       "PASSWDCDB": os.path.join(other, "users.cdb")}
before = snapshot()
code, out, err = run(["add", "gina", "1007", "100", H], b"gina pw\n",
                     env=env)
is_(code, 0, "add with PASSWDFILE and PASSWDCDB")
is_(sorted(os.listdir(other)), ["users", "users.cdb", "users.lock"],
    "  both files where they say")
ok(snapshot() == before, "  control/ untouched")
is_(login("gina", "gina pw", env=env), 0, "  checkpassword-cdb reads "
    "PASSWDCDB")
is_(login("gina", "gina pw"), 1, "  and control/passwd.cdb without it")

# Concurrent changes are serialised: none is lost.
# Each gets its password before it starts: whichever takes the lock first
# reads it at once.
procs = []
for i in range(6):
    r, w = os.pipe()
    os.write(w, b"pw\n")
    os.close(w)
    procs.append(subprocess.Popen(prog("cdbpasswd") + ["add", "u%d" % i,
                                                       "2000", "100", H],
                                  stdin=r, env=environ(CONTROLDIR=CTL)))
    os.close(r)
for p in procs:
    p.wait(120)
ok(all(p.returncode == 0 for p in procs), "six adds at once: all exit 0")
names = [line.split(":")[0] for line in run(["list"])[1].splitlines()]
is_(sorted(n for n in names if n.startswith("u")),
    ["u%d" % i for i in range(6)], "  and all six are there")
ok(all(login("u%d" % i, "pw") == 0 for i in range(6)), "  in the cdb too")

# What a killed cdbpasswd left beside the files (its temporary copies, as
# big as the cdb) goes with the next command that writes; files that only
# look alike stay.
stale = ["passwd.tmp.4711", "passwd.cdb.tmp.4712"]
keep = ["passwd.tmp.x1", "passwd.tmpl", "other.tmp.17"]
for name in stale + keep:
    with open(os.path.join(CTL, name), "wb") as fh:
        fh.write(b"x" * 4096)
code, out, err = run(["passwd", "u0"], b"new pw\n")
is_(code, 0, "passwd with stale temporary files around: exit 0")
is_(sorted(f for f in os.listdir(CTL) if f in stale + keep), sorted(keep),
    "  a killed cdbpasswd's temporary files are gone, the look-alikes stay")
for name in keep:
    os.unlink(os.path.join(CTL, name))
code, out, err = run(["list"])
is_(code, 0, "list does not write, and takes no lock")

done()
