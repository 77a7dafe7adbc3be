#!/usr/bin/env python3
# qmail-qfilter-addtlsheader's failures, with qmail-queue's exit codes that
# qmail-qfilter passes on: 54 when the message cannot be read, 53 when it
# cannot be written (a full disk, a closed pipe: SIGPIPE is ignored), 81 for
# a usage error. Never exit 0 with part of a message.
import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *

NAME = "qmail-qfilter-addtlsheader"
TLS = {"SSL_PROTOCOL": "TLSv1.3", "SSL_CIPHER": "TLS_AES_256_GCM_SHA384"}
MSG = b"Subject: x\n\nbody\n"
FATAL = "^qmail-qfilter-addtlsheader: fatal: unable to "


def shell(redirect, env, data=None):
    """Runs the program with its fds changed by a shell redirection; the
    shell execs it, so the exit code is the program's own."""
    argv = ["sh", "-c", 'exec "$@" ' + redirect, "sh"] + prog(NAME)
    p = subprocess.run(argv, input=data, env=environ(**env),
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def case(name, redirect, want, message, data=MSG, tls=True):
    code, out, err = shell(redirect, TLS if tls else {}, data)
    is_(code, want, "%s: exit %d" % (name, want))
    if want:
        like(err, FATAL + message, "  says why")
    else:
        is_(err, "", "  says nothing")
    return out


# Usage: arguments are a configuration mistake; 81 makes qmail-smtpd answer
# 451 (try again later), never a bounce.
p = subprocess.run(prog(NAME) + ["-x"], input=MSG, env=environ(**TLS),
                   capture_output=True, timeout=60)
is_(p.returncode, 81, "an argument: exit 81")
is_(p.stdout, b"", "  nothing written")
like(p.stderr.decode(), FATAL + r"run: no argument is taken; usage: "
     r"qmail-qfilter-addtlsheader <message >message\n$", "  says how to run")

# Read errors.
for tls in (False, True):
    what = "with TLS variables" if tls else "without TLS variables"
    out = case("stdin a directory, " + what, "<" + TMP, 54,
               r"read the message: Is a directory\n$", tls=tls)
    ok(out.startswith(b"Received: (TLSv1.3") == tls, "  only the header "
       "came out" if tls else "  nothing came out")
    case("stdin closed, " + what, "<&-", 54,
         r"read the message: Bad file descriptor\n$", tls=tls)

# Write errors.
for tls in (False, True):
    what = "with TLS variables" if tls else "without TLS variables"
    case("stdout /dev/full, " + what, ">/dev/full", 53,
         r"write the message: No space left on device\n$", tls=tls)
    if VALGRIND:
        # valgrind opens its log file on the free fd 1: the program's
        # output would go into the log.
        ok(True, "# SKIP stdout closed, %s: not under valgrind" % what)
    else:
        case("stdout closed, " + what, ">&-", 53,
             r"write the message: Bad file descriptor\n$", tls=tls)
    case("stdout read-only, " + what, "1</dev/null", 53,
         r"write the message: Bad file descriptor\n$", tls=tls)
case("an empty message to /dev/full without a header", ">/dev/full", 0,
     "", data=b"", tls=False)


def closed_pipe(name, data, read_first, tls=True):
    """stdout a pipe whose reader is gone from the start (read_first 0) or
    goes away after read_first bytes of a message too big for the pipe. The
    program runs with SIGPIPE at its default action, as subprocess leaves
    it, so only its own handling turns the broken pipe into exit 53."""
    rfd, wfd = os.pipe()
    if read_first == 0:
        os.close(rfd)  # before the program starts: its first write fails
    p = subprocess.Popen(prog(NAME), stdin=subprocess.PIPE, stdout=wfd,
                         stderr=subprocess.PIPE, env=environ(**(
                             TLS if tls else {})))
    os.close(wfd)
    feeder = threading.Thread(target=lambda: _feed(p.stdin, data),
                              daemon=True)
    feeder.start()
    if read_first:
        got = b""
        while len(got) < read_first:
            b = os.read(rfd, read_first - len(got))
            if not b:
                break
            got += b
        os.close(rfd)
    err = p.stderr.read().decode()
    code = p.wait(60)
    feeder.join(30)
    is_(code, 53, "%s: exit 53 (not killed by SIGPIPE)" % name)
    like(err, FATAL + r"write the message: Broken pipe\n$", "  says why")


def _feed(fh, data):
    try:
        fh.write(data)
        fh.close()
    except BrokenPipeError:
        pass


closed_pipe("stdout a pipe closed at once, with a header", MSG, 0)
closed_pipe("stdout a pipe closed at once, no header", MSG, 0, tls=False)
closed_pipe("stdout a pipe closed after 64 KiB of 4 MiB", os.urandom(4 << 20),
            65536, tls=False)

done()
