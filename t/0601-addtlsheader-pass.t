#!/usr/bin/env python3
# qmail-qfilter-addtlsheader without TLS variables: the message passes
# byte for byte, whatever it holds, streamed through a fixed buffer: 20 MiB
# go through in little memory, and output comes before input ends.
import os
import select
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *

NAME = "qmail-qfilter-addtlsheader"


def run(data, **env):
    p = subprocess.run(prog(NAME), input=data, env=environ(**env),
                       capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def passes(data, name, **env):
    code, out, err = run(data, **env)
    ok(code == 0 and out == data and err == b"", name)
    if out != data:
        diag("got %d bytes, want %d" % (len(out), len(data)))
    if code or err:
        diag("exit %d, stderr %r" % (code, err))


text = (b"Received: (qmail 4711 invoked from network); 23 Nov 2026\n"
        b"From: alice@example.org\nSubject: hello\n\nbody\n.\n..\n")
passes(text, "a plain message passes unchanged")
passes(b"", "an empty message stays empty")
passes(b"Subject: x\n\nno final newline", "no final newline is added")
passes(b"Subject: x\r\n\r\nCR LF\r\nbare CR\rend\r\n", "CRs are kept")
binary = bytes(range(256)) * 64 + b"\0\0\n\0"
passes(binary, "every byte value, NULs included, passes unchanged")

for env in ({"SSL_PROTOCOL": "TLSv1.3"}, {"SSL_CIPHER": "TLS_AES_128_GCM"},
            {"SSL_PROTOCOL": "", "SSL_CIPHER": "TLS_AES_128_GCM"},
            {"SSL_PROTOCOL": "TLSv1.3", "SSL_CIPHER": ""},
            {"FIXSMTPIOTLS": "1", "AUTHUP_USER": "alice"}):
    passes(text, "no header without both TLS variables: %s"
           % " ".join("%s=%r" % kv for kv in sorted(env.items())), **env)

# The envelope on fd 3 is qmail-qfilter's: not one byte of it is read.
envelope = os.path.join(TMP, "envelope")
with open(envelope, "wb") as fh:
    fh.write(b"Falice@example.org\0Tbob@example.net\0\0")
fd3 = os.open(envelope, os.O_RDONLY)


def with_fd3(argv, **kw):
    return subprocess.run(argv, pass_fds=(3,), capture_output=True,
                          timeout=60, preexec_fn=lambda: os.dup2(fd3, 3),
                          **kw)


p = with_fd3(["sh", "-c", "head -c 1 <&3"])
is_(p.stdout, b"F", "(the envelope does reach fd 3 of a child)")
os.lseek(fd3, 0, os.SEEK_SET)
p = with_fd3(prog(NAME), input=text,
             env=environ(SSL_PROTOCOL="TLSv1.3", SSL_CIPHER="X"))
is_(os.lseek(fd3, 0, os.SEEK_CUR), 0, "the envelope on fd 3 is not read")
ok(p.returncode == 0 and p.stdout.endswith(text), "  and the message passes")
os.close(fd3)


def vmhwm(pid):
    """Peak resident set size of a running process, in KiB."""
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def instrumented():
    if VALGRIND:
        return True
    with open(os.path.join(BUILD, "bin", NAME), "rb") as fh:
        return b"__asan" in fh.read()


def writer(fd, chunks, pause=0.0, close=True):
    """Writes chunks to fd from a thread, so that the test can read the
    other end meanwhile; closes fd at the end when asked."""
    def run():
        try:
            for c in chunks:
                _write_all(fd, c)
                if pause:
                    time.sleep(pause)
        finally:
            if close:
                os.close(fd)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exactly(fd, n, timeout=60):
    """n bytes from fd, or fewer when it ends or time runs out."""
    got = bytearray()
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 1)
        if r:
            b = os.read(fd, min(1 << 20, n - len(got)))
            if not b:
                break
            got += b
    return bytes(got)


def read_header(fd, timeout=30):
    got = b""
    deadline = time.time() + timeout
    while not got.endswith(b"+0000\n") and len(got) < 512 and \
            time.time() < deadline:
        got += read_exactly(fd, 1, 5)
    return got


# 20 MiB through pipes, read back while the input is still open: the
# program streams (it cannot have waited for the end of the message), and
# its peak memory (VmHWM, read while it waits for more input) is that of
# its start, give or take, and small in absolute terms.
env = environ(SSL_PROTOCOL="TLSv1.3", SSL_CIPHER="TLS_AES_256_GCM_SHA384",
              TZ="UTC0")
p = spawn(prog(NAME), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out_fd = p.stdout.fileno()
header = read_header(out_fd)
like(header.decode("ascii", "replace"),
     r"^Received: \(TLSv1\.3 cipher TLS_AES_256_GCM_SHA384\);\n"
     r" \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\n$",
     "the header comes first, before any input")
rss0 = vmhwm(p.pid)
chunk = bytes(range(256)) * 4096  # 1 MiB
chunks = [chunk[i:] + chunk[:i] for i in range(20)]
t = writer(p.stdin.fileno(), chunks, close=False)
same = True
for c in chunks:
    if read_exactly(out_fd, len(c)) != c:
        same = False
        break
t.join(30)
ok(same, "20 MiB come out unchanged while the input is still open")
rss = vmhwm(p.pid)
diag("peak RSS (VmHWM): %d KiB at the start, %d KiB after 20 MiB"
     % (rss0, rss))
ok(0 <= rss - rss0 <= 4096, "20 MiB take no more memory than the start "
   "(+%d KiB, bound 4096)" % (rss - rss0))
if instrumented():
    ok(True, "# SKIP peak RSS bound: the build is instrumented")
else:
    ok(0 < rss <= 4096, "peak RSS %d KiB <= 4096 KiB" % rss)
p.stdin.close()
is_(p.stdout.read(), b"", "nothing more after the end of the input")
is_(p.wait(30), 0, "  exit 0")

# The same 20 MiB from a file to a file, as qmail-qfilter gives them.
big = os.path.join(TMP, "big")
with open(big, "wb") as fh:
    for c in chunks:
        fh.write(c)
out = os.path.join(TMP, "out")
with open(big, "rb") as fin, open(out, "wb") as fout:
    code = subprocess.run(prog(NAME), stdin=fin, stdout=fout, env=env,
                          timeout=120).returncode
is_(code, 0, "20 MiB file to file: exit 0")
with open(out, "rb") as fo:
    head = fo.read(len(header))
    same = head[:60] == header[:60]
    for c in chunks:
        if fo.read(len(c)) != c:
            same = False
    same = same and fo.read(1) == b""
ok(same, "  the header, then every byte of the message")

# Non-blocking pipes on both sides, a writer that pauses and a reader that
# starts late: EAGAIN is waited out with poll(), never taken for an error.
rfd, wfd = os.pipe2(os.O_NONBLOCK)
ofd_r, ofd_w = os.pipe2(os.O_NONBLOCK)
p = subprocess.Popen(prog(NAME), env=environ(), stdin=rfd, stdout=ofd_w)
os.close(rfd)
os.close(ofd_w)
os.set_blocking(wfd, True)
data = os.urandom(1 << 20)
t = writer(wfd, [data[i:i + 4096] for i in range(0, 1 << 20, 4096)][:64] +
           [data[64 * 4096:]], pause=0.005)
time.sleep(0.2)
got = read_exactly(ofd_r, len(data) + 1, timeout=60)
t.join(30)
os.close(ofd_r)
_, status, usage = os.wait4(p.pid, 0)
p.returncode = os.waitstatus_to_exitcode(status)
ok(got == data, "non-blocking pipes in and out: 1 MiB, byte for byte")
is_(p.returncode, 0, "  exit 0")
diag("CPU time while waiting on non-blocking pipes: %.3f s"
     % (usage.ru_utime + usage.ru_stime))

done()
