"""TAP and process helpers for the integration tests.

Every test imports this module: it prints TAP, finds the build under test
($BUILD, default build/), runs servers under tcpserver on 127.0.0.1 with a
port the kernel picks, and stops every process it started (by PID, through
its process group) when the test exits. With VALGRIND=1 the suite's own
programs run under valgrind memcheck and a last test checks its logs.
"""

import atexit
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
HELPERS = os.path.join(TOP, "t", "helpers")
VALGRIND = os.environ.get("VALGRIND") == "1"
# The build under test has ASan+UBSan (make SANITIZE=1 check).
SANITIZED = os.environ.get("SANITIZE") == "1"
# The start of a FIXSMTPIODEBUG line (and of the summary lines: SUMMARY %
# "fixsmtpio"), after "(?m)": the session ID and, for debug lines, the pid.
DEBUG = r"^fixsmtpio: debug: [0-9a-f]{16}: pid \d+: "
SUMMARY = r"^%s: info: [0-9A-Za-z._-]{1,64}: summary: "

_count = 0
_failed = 0
_procs = []
TMP = tempfile.mkdtemp(prefix="t.")
VGDIR = os.path.join(TMP, "valgrind")


def ok(cond, name):
    global _count, _failed
    _count += 1
    if not cond:
        _failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", _count, name), flush=True)
    return bool(cond)


def diag(*msg):
    for line in " ".join(str(m) for m in msg).splitlines() or [""]:
        print("# " + line, flush=True)


def failure(*msg):
    """What a failed check got and wanted: on standard error, as Test::More
    does, so that prove shows it without -v."""
    for line in " ".join(str(m) for m in msg).splitlines() or [""]:
        sys.stderr.write("# " + line + "\n")
    sys.stderr.flush()


def is_(got, want, name):
    res = ok(got == want, name)
    if not res:
        failure("got:  %r" % (got,))
        failure("want: %r" % (want,))
    return res


def like(got, pattern, name):
    res = ok(got is not None and re.search(pattern, got) is not None, name)
    if not res:
        failure("got:  %r" % (got,))
        failure("want: /%s/" % pattern)
    return res


def skip_all(reason):
    print("1..0 # SKIP %s" % reason, flush=True)
    sys.exit(0)


def done():
    if VALGRIND:
        check_valgrind()
    print("1..%d" % _count, flush=True)
    sys.exit(1 if _failed else 0)


# Debian's valgrind is a sh script around valgrind.bin, and sh drops the
# variables whose names are not shell names, such as ucspitlsd's
# CERTFILE:name: the program itself is run when it is there.
_VALGRIND = shutil.which("valgrind.bin") or "valgrind"


def prog(name):
    """The argv that runs one of the suite's programs from the build."""
    path = os.path.join(BUILD, "bin", name)
    if not VALGRIND:
        return [path]
    # Programs that switch users write their logs here too, and valgrind's
    # gdbserver FIFOs, made before the switch, could not be removed after.
    os.makedirs(VGDIR, exist_ok=True)
    os.chmod(VGDIR, 0o1777)
    return [_VALGRIND, "-q", "--vgdb=no", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
            "--log-file=" + os.path.join(VGDIR, name + ".%p"), path]


def helper(name):
    """A test helper: a script in t/helpers or a program built from one."""
    built = os.path.join(BUILD, "t", "bin", name)
    if os.path.exists(built):
        return built
    return os.path.join(HELPERS, name)


# Valgrind 3.19 (Debian 12) does not know pidfd_open (syscall 434): it
# says so, returns ENOSYS, and lib/child.c falls back to waiting without a
# pidfd. That notice is not an error in the program.
_VG_NOTICE = re.compile(r"--\d+-- (WARNING: unhandled amd64-linux syscall: "
                        r"434|You may be able to write your own handler\.|"
                        r"Read the file README_MISSING_SYSCALL_OR_IOCTL\.|"
                        r"Nevertheless we consider this a bug\.  Please "
                        r"report|it at http://valgrind.org/support/bug_"
                        r"reports.html\.)")


def check_valgrind():
    logs = sorted(glob.glob(os.path.join(VGDIR, "*")))
    bad = []
    for f in logs:
        with open(f) as fh:
            text = "".join(line for line in fh
                           if not _VG_NOTICE.match(line))
        if text.strip():
            bad.append(f)
            diag(f + ":\n" + text[:4000])
    ok(not bad, "valgrind: no error and no leak in %d process logs"
       % len(logs))


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
    deadline = time.time() + 5
    for p in _procs:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()
    shutil.rmtree(TMP, ignore_errors=True)


atexit.register(_cleanup)


def environ(**extra):
    """A clean environment for the programs under test."""
    env = {"PATH": os.pathsep.join([os.path.join(BUILD, "bin"),
                                    os.path.join(BUILD, "t", "bin"),
                                    HELPERS, os.environ.get("PATH", "")]),
           # authup counts failed logins in a state directory of the test's
           # own, never in the default under QMAILHOME.
           "AUTHUP_STATE": os.path.join(TMP, "authup-state")}
    for k, v in extra.items():
        if v is not None:
            env[k] = v
    return env


def spawn(argv, env=None, stdout=None, stderr=None, stdin=None):
    """Starts a process in its own process group, stopped at exit."""
    p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr,
                         stdin=stdin, start_new_session=True)
    _procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, timeout=5):
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except OSError:
            pass
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        return p.wait()


def controldir(name="control", **files):
    """A control directory holding the given files (name=text)."""
    d = os.path.join(TMP, name)
    os.makedirs(d, exist_ok=True)
    for fname, text in files.items():
        with open(os.path.join(d, fname), "w") as fh:
            fh.write(text)
    return d


class TCPServer:
    """tcpserver -v on host (127.0.0.1, or ::1 for IPv6), port chosen by the
    kernel. log holds its stderr and that of the programs it runs."""

    def __init__(self, argv, env=None, limit=None, name="server",
                 host="127.0.0.1"):
        self.host = host
        self.log = os.path.join(TMP, name + ".log")
        # tcpserver's default backlog is 20. When more connections than
        # that come at once (t/0921 opens 64) and tcpserver is slow to
        # accept on a busy machine, the kernel answers the rest with SYN
        # cookies, and a cookie's ACK that finds the accept queue full is
        # dropped with nothing kept to resend the SYN-ACK: the client
        # thinks it is connected and waits for a greeting that never
        # comes. A backlog above any burst a test makes keeps them all.
        cmd = ["tcpserver", "-1", "-v", "-HR", "-l0", "-b",
               str(max(256, 2 * (limit or 0)))]
        if limit:
            cmd += ["-c", str(limit)]
        cmd += [host, "0"] + list(argv)
        self.logfh = open(self.log, "ab")
        self.proc = spawn(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=self.logfh)
        line = self.proc.stdout.readline()
        if not line.strip():
            raise RuntimeError("tcpserver did not start: " + self.text())
        self.port = int(line)

    def text(self):
        with open(self.log, "rb") as fh:
            return fh.read().decode("utf-8", "replace")

    def lines(self):
        """The log's whole lines: a line another process is writing at this
        moment may be read in part, and must not be taken for a whole one."""
        text = self.text()
        return text[:text.rfind("\n") + 1]

    def ends(self, count=1, timeout=20):
        """Waits until count sessions have ended; returns their exit codes
        in order (tcpserver logs wait statuses; a signal shows as -N)."""
        deadline = time.time() + timeout
        while True:
            st = [int(s) for s in re.findall(r"end \d+ status (\d+)\n",
                                              self.lines())]
            if len(st) >= count or time.time() > deadline:
                return [w >> 8 if w & 0x7f == 0 else -(w & 0x7f)
                        for w in st]
            time.sleep(0.05)

    def summaries(self, prog, count=1, timeout=20):
        """Waits until prog has logged count summary lines (ucspitlsd's TLS
        engine may log its own after tcpserver saw the session end);
        returns all of them, each from ip= on, in order."""
        deadline = time.time() + timeout
        while True:
            found = re.findall(r"(?m)" + SUMMARY % re.escape(prog) + r"(.*)$",
                               self.lines())
            if len(found) >= count or time.time() > deadline:
                return found
            time.sleep(0.05)

    def stop(self):
        stop(self.proc)


class SMTP:
    """A raw SMTP client: bytes in, replies out, nothing hidden."""

    def __init__(self, port, timeout=15, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """One reply: (code, [lines]); (None, []) when the server closed."""
        lines = []
        try:
            while True:
                line = self.line()
                lines.append(line)
                if len(line) < 4 or line[3] != "-":
                    return int(line[:3]), lines
        except EOFError:
            if lines:
                raise
            return None, []

    def text(self):
        code, lines = self.reply()
        return "\n".join(lines)

    def codes_until_close(self):
        """The codes of every reply up to the server's close."""
        codes = []
        while True:
            code, _ = self.reply()
            if code is None:
                return codes
            codes.append(code)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.text()

    def closed(self, timeout=10):
        """True when the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (socket.timeout, ConnectionResetError):
            return False

    def close(self):
        self.sock.close()


def maildir(name="Maildir"):
    d = os.path.join(TMP, name)
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    return d


def messages(md, count=None, timeout=10):
    """The messages delivered into Maildir md, oldest first; waits until
    count have arrived when count is given."""
    deadline = time.time() + timeout
    while True:
        # File times have the kernel's coarse clock (a few ms): two
        # messages can share one. The names deliver gives hold the time to
        # the nanosecond, and break the tie.
        files = sorted(glob.glob(os.path.join(md, "new", "*")),
                       key=lambda f: (os.path.getmtime(f), f))
        if count is None or len(files) >= count or time.time() > deadline:
            out = []
            for f in files:
                with open(f, "rb") as fh:
                    out.append(fh.read())
            return out
        time.sleep(0.05)


def msmtpd(md, *extra):
    """argv for msmtpd --inetd delivering into Maildir md."""
    return ["msmtpd", "--inetd",
            "--command=%s %s" % (helper("deliver"), md)] + \
        list(extra)
