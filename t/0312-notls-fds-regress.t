#!/usr/bin/env python3
"""Regression: under a UCSPI-TLS server with TLS off (UCSPITLS unset or
'-', or DISABLETLS set), fixsmtpio and authup passed SSLCTLFD, SSLREADFD
and SSLWRITEFD on to the programs they run, the descriptors (the TLS
engine's control socket among them) and the variables naming them,
where their pages say they keep them from those programs. The server
behind must hold 0, 1 and 2 alone and see none of those variables, nor
UCSPITLS or DISABLETLS. And since TLS cannot start, the descriptors are
closed, so that ucspitlsd's TLS process, which holds the key, ends at
once rather than with the session."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import descendants, fds  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mx", ca, dns=["mx.example"])
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    ctl = controldir(me="mx.example\n", fixsmtpio=fh.read(),
                     smtpcapabilities="PIPELINING\n")
md = maildir()
NAMES = (b"SSLCTLFD=", b"SSLREADFD=", b"SSLWRITEFD=", b"UCSPITLS=",
         b"DISABLETLS=")


def server_of(srv):
    """The msmtpd of srv's one session: its descriptors, less valgrind's
    log files, and the variables above in its environment."""
    for pid, (name, _) in descendants(srv.proc.pid).items():
        if name == "msmtpd":
            held = sorted(fd for fd, what in fds(pid).items()
                          if fd < 1024 and not what.startswith(VGDIR))
            with open("/proc/%d/environ" % pid, "rb") as fh:
                env = [v.decode() for v in fh.read().split(b"\0")
                       if v.startswith(NAMES)]
            return held, env
    return None, None


def tls_engine_running(srv):
    """Whether a process named ucspitlsd still runs (not a zombie) under
    srv, waiting up to 5 s for it to end."""
    deadline = time.time() + 5
    while True:
        running = []
        for pid, (name, _) in descendants(srv.proc.pid).items():
            try:
                with open("/proc/%d/stat" % pid) as fh:
                    state = fh.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if name == "ucspitlsd" and state != "Z":
                running.append(pid)
        if not running or time.time() > deadline:
            return bool(running)
        time.sleep(0.05)


for level in ({}, {"UCSPITLS": "-"}, {"UCSPITLS": "!", "DISABLETLS": "1"}):
    how = " ".join("%s=%s" % kv for kv in level.items()) or "UCSPITLS unset"
    for chain in ("fixsmtpio", "authup"):
        app = prog("fixsmtpio") + msmtpd(md)
        if chain == "authup":
            app = prog("authup") + ["smtp", helper("checkpw")] + app
        srv = TCPServer(prog("ucspitlsd") + app, name=chain,
                        env=environ(CONTROLDIR=ctl, CERTFILE=cert.cert,
                                    KEYFILE=cert.key, CHECKPW_USERS="a:b",
                                    AUTHUP_PAUSE="0", **level))
        c = SMTP(srv.port)
        c.text()
        name = "%s, %s" % (chain, how)
        if chain == "authup":
            is_(c.cmd("EHLO c"), "250-mx.example\n250-PIPELINING\n"
                "250 AUTH PLAIN LOGIN", "%s: no STARTTLS offered" % name)
            is_(c.cmd("STARTTLS"), "502 5.5.1 STARTTLS not offered",
                "%s: STARTTLS: 502" % name)
            is_(c.cmd("AUTH PLAIN AGEAYg=="), "235 ok, go ahead (#2.0.0)",
                "%s: AUTH" % name)
        else:
            is_(c.cmd("EHLO c"), "250 mx.example",
                "%s: no STARTTLS offered" % name)
            is_(c.cmd("STARTTLS"), "502 5.5.1 STARTTLS not offered",
                "%s: STARTTLS: 502" % name)
        is_(server_of(srv), ([0, 1, 2], []),
            "%s: the server holds 0, 1 and 2 alone, no UCSPI-TLS variable"
            % name)
        ok(not tls_engine_running(srv),
           "%s: the TLS process has ended, the session still open" % name)
        is_(c.cmd("MAIL FROM:<a@example.org>"), "250 Ok",
            "%s: the session goes on" % name)
        c.close()
        srv.ends(1)
        srv.stop()
done()
