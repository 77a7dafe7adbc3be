#!/usr/bin/env python3
# checkpassword-cdb: the checkpassword interface end to end. fd 3 carries
# name\0password\0timestamp\0; on success prog runs as the record's user
# (ids, groups, USER, HOME, SHELL, cwd seen from prog's side); otherwise
# exit 1 (wrong password, unknown name), 2 (fd 3 malformed or missing, no
# prog) or 111 (the database missing or unreadable, a step of becoming the
# user failing). Runs as root; the records use uid 65534 and others.
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *

if os.geteuid() != 0:
    skip_all("needs root (setuid to the records' users)")

NAME = "checkpassword-cdb"
FATAL = "^checkpassword-cdb: fatal: [0-9a-f]{16}: "
os.chmod(TMP, 0o711)  # the users must reach their homes below it
CTL = controldir("cpw")
HOMES = os.path.join(TMP, "homes")
os.makedirs(HOMES, mode=0o755)


def home(name, uid=65534, gid=65534, mode=0o755):
    d = os.path.join(HOMES, name)
    os.makedirs(d, mode=mode)
    os.chown(d, uid, gid)
    return d


def cdbpasswd(args, stdin=b""):
    p = subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd")] + args,
                       input=stdin, env=environ(CONTROLDIR=CTL),
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        diag("cdbpasswd %s: %s" % (args, p.stderr.decode()))
    return p.returncode


def add_line(line):
    with open(os.path.join(CTL, "passwd"), "a") as fh:
        fh.write(line + "\n")


def mkhash(prefix, count, password):
    return subprocess.run([helper("mkhash"), prefix, str(count)],
                          input=password.encode() + b"\n", check=True,
                          capture_output=True).stdout.decode().strip()


def argv():
    """The program (under valgrind with VALGRIND=1). valgrind's gdbserver
    FIFOs, made as root, could not be removed after the setuid: none."""
    a = prog(NAME)
    if VALGRIND:
        a.insert(1, "--vgdb=no")
        os.chmod(VGDIR, 0o1777)  # logs of runs as other users
    return a


def on_fd3(fd):
    if fd is None:
        os.closerange(3, 4)
        return
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)


def check(data, prog_argv=("true",), env=None, wrap=()):
    """Runs checkpassword-cdb with data on fd 3 (None: fd 3 closed);
    (exit code, stdout, stderr)."""
    fd = None
    if data is not None:
        fd, w = os.pipe()
        os.write(w, data)
        os.close(w)
    e = {"CONTROLDIR": CTL}
    e.update(env or {})
    p = subprocess.run(list(wrap) + argv() + list(prog_argv),
                       env=environ(**e), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=120, close_fds=False,
                       preexec_fn=lambda: on_fd3(fd))
    if fd is not None:
        os.close(fd)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def creds(name, password, timestamp="<1.2@test>"):
    return b"\0".join(x.encode() for x in (name, password, timestamp)) + b"\0"


SHOW = ["sh", "-c", 'id -u; id -g; id -G; pwd; printf "%s|%s|%s|%s\\n" '
        '"$USER" "$HOME" "$SHELL" "$TCPREMOTEIP"; printf "[%s]" "$@"; echo',
        "sh", "one arg", "two"]

alice_home = home("alice")
ok(cdbpasswd(["add", "alice", "65534", "65534", alice_home],
             b"alice pw\n") == 0, "a database with alice (uid 65534)")

# Success: prog runs as alice, in her home, with her variables.
code, out, err = check(creds("alice", "alice pw"), SHOW,
                       env={"TCPREMOTEIP": "192.0.2.1"})
is_(code, 0, "the right password: exit 0 (prog's own)")
is_(out, "65534\n65534\n65534\n%s\nalice|%s|/bin/sh|192.0.2.1\n"
    "[one arg][two]\n" % (alice_home, alice_home),
    "  prog sees uid, gid, groups, cwd, USER, HOME, SHELL, the rest of its "
    "environment and its arguments")
is_(err, "", "  nothing on stderr")
code, out, err = check(creds("alice", "alice pw"), ["sh", "-c", "exit 7"])
is_(code, 7, "prog's exit code is checkpassword-cdb's (it execs)")
code, out, err = check(creds("alice", "alice pw", ""), ["true"])
is_(code, 0, "an empty timestamp (SMTP AUTH) is fine")
code, out, err = check(creds("alice", "alice pw") + b"extra\0data",
                       ["true"])
is_(code, 0, "bytes after the timestamp are ignored")

# Rejections: exit 1, prog not run, nothing said.
for what, data in (
        ("a wrong password", creds("alice", "alice pW")),
        ("the password with a byte more", creds("alice", "alice pw ")),
        ("an empty password", creds("alice", "")),
        ("an unknown name", creds("bob", "alice pw")),
        ("a name differing in case", creds("Alice", "alice pw")),
        ("a name with a ':'", creds("ali:ce", "alice pw")),
        ("a name with a control character", creds("ali\x01ce", "alice pw")),
        ("the database's own key :format", creds(":format", "x")),
        ("the database's own key :dummy", creds(":dummy", "x"))):
    code, out, err = check(data, ["echo", "ran"])
    is_(code, 1, "%s: exit 1" % what)
    ok(out == "" and err == "", "  prog not run, nothing said")

# Malformed fd 3: exit 2.
MAL = [
    ("no NUL at all", b"alice alice pw", "no NUL after the name"),
    ("nothing", b"", "no NUL after the name"),
    ("an empty name", b"\0alice pw\0ts\0", "the name is empty"),
    ("a name only", b"alice\0", "no NUL after the password"),
    ("no timestamp", b"alice\0alice pw\0", "no NUL after the timestamp"),
    ("a timestamp without its NUL", b"alice\0alice pw\0<1.2@test>",
     "no NUL after the timestamp"),
    ("513 bytes", b"alice\0alice pw\0" + b"t" * 497 + b"\0",
     "more than 512 bytes"),
    ("64 KiB", b"x" * 65536, "more than 512 bytes"),
]
for what, data, why in MAL:
    code, out, err = check(data, ["echo", "ran"])
    is_(code, 2, "%s: exit 2" % what)
    like(err, FATAL + "unable to read fd 3: " + why + "\n$", "  says why")
    is_(out, "", "  prog not run")
    ok("alice pw" not in err, "  the password is not in the message")
code, out, err = check(b"alice\0alice pw\0" + b"t" * 496 + b"\0", ["true"])
is_(code, 0, "exactly 512 bytes are fine")
code, out, err = check(None, ["echo", "ran"])
is_(code, 2, "fd 3 not open: exit 2")
like(err, FATAL + "unable to read fd 3: Bad file descriptor\n$", "  says so")
code, out, err = check(creds("alice", "alice pw"), [])
is_(code, 2, "no prog: exit 2")
like(err, r"^checkpassword-cdb: fatal: unable to run: no program given; usage: "
     r"checkpassword-cdb prog \[arg\.\.\.\]\n$",
     "  prints the usage (before it makes a session ID)")

# All three kinds of hash.
for user, prefix, count in (("bcrypt", "$2b$", 5), ("sha", "$6$", 5000),
                            ("yes", "$y$", 5)):
    h = mkhash(prefix, count, user + " pw")
    add_line("%s:%s:65534:65534:%s" % (user, h, alice_home))
ok(cdbpasswd(["make"]) == 0, "bcrypt, sha512-crypt and yescrypt records")
for user in ("bcrypt", "sha", "yes"):
    is_(check(creds(user, user + " pw"))[0], 0, "%s: the password: 0" % user)
    is_(check(creds(user, user + " px"))[0], 1, "%s: another: 1" % user)

# A hash crypt(3) refuses: rejected, and the log says whose it is.
add_line("broken:$y$abc:65534:65534:%s" % alice_home)
cdbpasswd(["make"])
code, out, err = check(creds("broken", "x"))
is_(code, 1, "a record whose hash crypt(3) refuses: exit 1")
like(err, "^checkpassword-cdb: warning: [0-9a-f]{16}: crypt\\(3\\) cannot use the hash of "
     "broken in " + CTL + "/passwd.cdb\n$", "  a warning names the record")

# Becoming the user: every step checked.
bob_home = home("bob", 1234, 4321)
os.chown(bob_home, 1234, 4321)
cdbpasswd(["add", "bob", "1234", "4321", bob_home], b"bob pw\n")
code, out, err = check(creds("bob", "bob pw"), SHOW)
is_(out.splitlines()[:4], ["1234", "4321", "4321", bob_home],
    "another user: its uid, its gid as the only group, its home")
cdbpasswd(["add", "nohome", "65534", "65534", HOMES + "/missing"], b"pw\n")
code, out, err = check(creds("nohome", "pw"), ["echo", "ran"])
is_(code, 111, "a home that does not exist: exit 111")
like(err, FATAL + "unable to change directory to " + HOMES + "/missing: No "
     "such file or directory\n$", "  says so")
is_(out, "", "  prog not run")
closed = home("closed", 0, 0, 0o700)
cdbpasswd(["add", "closed", "65534", "65534", closed], b"pw\n")
code, out, err = check(creds("closed", "pw"), ["echo", "ran"])
is_(code, 111, "a home only root may enter: exit 111 (chdir as the user)")
like(err, FATAL + "unable to change directory to " + closed + ": Permission "
     "denied\n$", "  says so")
code, out, err = check(creds("alice", "alice pw"), ["no-such-program"],
                       env={"PATH": "/usr/bin:/bin"})
is_(code, 111, "a prog that does not exist: exit 111")
like(err, FATAL + "unable to run no-such-program: No such file or "
     "directory\n$", "  says so")
subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd"), "--allow-root",
                "add", "root", "0", "0", "/"], input=b"root pw\n",
               env=environ(CONTROLDIR=CTL), check=True, capture_output=True)
code, out, err = check(creds("root", "root pw"), ["id", "-u"])
ok(code == 0 and out == "0\n", "a root record (made with --allow-root) "
   "runs prog as root: checknotroot's job to refuse")

# Run by a user other than root.
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
code, out, err = check(creds("alice", "alice pw"), ["true"], wrap=AS_NOBODY)
is_(code, 111, "as uid 65534, a root-only database: exit 111")
like(err, FATAL + "unable to read " + CTL + "/passwd.cdb: Permission "
     "denied\n$", "  cannot read it")
own = os.path.join(TMP, "nobody.cdb")
shutil.copy(os.path.join(CTL, "passwd.cdb"), own)
os.chown(own, 65534, 65534)
code, out, err = check(creds("alice", "alice pw"), SHOW, wrap=AS_NOBODY,
                       env={"PASSWDCDB": own})
is_(code, 0, "as uid 65534 with its own database: alice (uid 65534) is in")
is_(out.splitlines()[:4], ["65534", "65534", "65534", alice_home],
    "  with her ids and home")
code, out, err = check(creds("bob", "bob pw"), ["echo", "ran"],
                       wrap=AS_NOBODY, env={"PASSWDCDB": own})
is_(code, 111, "as uid 65534, bob (uid 1234): exit 111")
like(err, FATAL + "unable to set the groups of bob: Operation not "
     "permitted\n$", "  cannot change ids")

# The database missing or unreadable: 111, never a rejection.
for what, path, why in (
        ("missing", os.path.join(TMP, "none.cdb"),
         r"unable to open %s: it does not exist \(build it with cdbpasswd "
         r"make\)"),
        ("a directory", TMP, "unable to read %s: .*"),
        ("too short for a cdb", os.path.join(CTL, "passwd"),
         "unable to read %s: .*")):
    code, out, err = check(creds("alice", "alice pw"), ["echo", "ran"],
                           env={"PASSWDCDB": path})
    is_(code, 111, "PASSWDCDB %s: exit 111" % what)
    like(err, FATAL + (why % path) + "\n$", "  says why")
    ok(out == "" and "alice pw" not in err, "  prog not run, no password")
nocdb = controldir("empty")
code, out, err = check(creds("alice", "alice pw"), ["true"],
                       env={"CONTROLDIR": nocdb})
is_(code, 111, "control/passwd.cdb missing: exit 111")
like(err, "unable to open " + nocdb + "/passwd.cdb: it does not exist",
     "  names control/passwd.cdb")

done()
