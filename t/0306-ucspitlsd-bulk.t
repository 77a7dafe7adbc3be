#!/usr/bin/env python3
"""Data through ucspitlsd: 64 MiB both ways at once byte for byte, in
STARTTLS and implicit mode, each way alone, at TLS 1.2 too; memory that
stays flat while the client does not read; a client that half-closes
still gets every byte back and then close_notify; prog exiting early,
also while the client is still sending; and the idle timeout."""

import hashlib
import os
import random
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, children, context, proc_status  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

MIB = 1 << 20
ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, kind="ecdsa", dns=["mail.example.org"])
env = environ(CERTFILE=cert.cert, KEYFILE=cert.key)
ctx = context(ca.cert)
ctx12 = context(ca.cert, maximum=ssl.TLSVersion.TLSv1_2)
data = random.Random(3).randbytes(64 * MIB)
digest = hashlib.sha256(data).hexdigest()


def sha(b):
    return hashlib.sha256(b).hexdigest()


def echo(srv, name, c=ctx, implicit=False, size=len(data)):
    s = Session(srv.port, c, "mail.example.org", starttls=not implicit,
                implicit=implicit, timeout=300)
    is_(s.cmd("ECHO"), "354 echo", "%s: echo" % name)
    got, h, sent = s.duplex(data[:size], size)
    is_((got, sent), (size, size), "%s: %d MiB each way" % (name,
                                                           size // MIB))
    is_(h, sha(data[:size]), "%s: byte for byte" % name)
    s.sock.unwrap()  # close_notify; prog ends; ucspitlsd answers
    ok(True, "%s: close_notify answered" % name)
    s.close()


srv = TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env,
                name="starttls")
echo(srv, "STARTTLS, both ways at once")
echo(srv, "STARTTLS, TLS 1.2", ctx12, size=8 * MIB)

s = Session(srv.port, ctx, "mail.example.org", timeout=300)
s.send("SINK %d\r\n" % len(data))
reply = "250 %d\r\n" % len(data)
got, h, sent = s.duplex(data, len(reply))
is_((sent, h), (len(data), sha(reply.encode())), "64 MiB to prog alone")
s.send("SOURCE %d\r\n" % len(data))
is_(s.reply(), "354 %d" % len(data), "64 MiB from prog alone")
got, h, sent = s.duplex(b"", len(data))
pattern = bytes(ord("a") + i % 26 for i in range(65536))
want = sha(pattern * (len(data) // 65536))
ok(got == len(data) and h == want, "  every byte")

# Memory stays flat while the client reads nothing.
app = s.pid()
engine = children(app)
s.send("SOURCE %d\r\n" % len(data))
time.sleep(1)  # let every buffer on the way fill
rss = int(proc_status(engine[0]).get("VmRSS", "0 kB").split()[0]) \
    if engine else 0
with open(os.path.join(BUILD, "bin", "ucspitlsd"), "rb") as fh:
    sanitized = b"AddressSanitizer" in fh.read()
if VALGRIND or sanitized:
    ok(True, "memory bound: not measured under valgrind or ASan")
else:
    ok(0 < rss < 16 * 1024, "the engine stays small while the client "
       "does not read (%d KiB)" % rss)
is_(s.reply(), "354 %d" % len(data), "  then the client reads")
got, h, sent = s.duplex(b"", len(data))
ok(got == len(data) and h == want, "  and gets every byte")
is_(s.cmd("QUIT"), "221 bye", "QUIT")
s.close()

# A client that half-closes (TCP, no close_notify) still gets it all.
s = Session(srv.port, ctx, "mail.example.org", timeout=300)
is_(s.cmd("ECHO"), "354 echo", "half-close: echo")
got, h, sent = s.duplex(data[:4 * MIB], 4 * MIB, half_close=True)
ok(got == 4 * MIB and h == sha(data[:4 * MIB]),
   "half-close: every byte comes back after the client's FIN")
rest, how = s.eof()
is_((len(rest), how), (0, "close_notify"),
    "  then prog ends and ucspitlsd sends close_notify")
s.close()

# prog exits early.
s = Session(srv.port, ctx, "mail.example.org")
is_(s.cmd("EXIT 3"), "221 exiting", "prog exits early")
rest, how = s.eof()
is_((len(rest), how), (0, "close_notify"), "  the client gets close_notify")
s.close()
s = Session(srv.port, ctx, "mail.example.org", timeout=60)
s.send("EXIT 4\r\n")
reply = b"221 exiting\r\n"
got, h, sent = s.duplex(data[:16 * MIB], len(reply), timeout=60)
is_(h, sha(reply), "prog exits while the client sends: its last reply "
    "arrives")
rest, how = s.eof()
ok(how in ("close_notify", "eof", "reset"), "  then the connection ends")
s.close()
st = srv.ends(7)
is_(st[-2:], [3, 4], "tcpserver sees prog's exit codes")
srv.stop()

srv = TCPServer(prog("ucspitlsd") + ["-i", helper("tlsecho")], env=env,
                name="implicit")
echo(srv, "implicit, both ways at once", implicit=True)
srv.stop()

# The idle timeout.
srv = TCPServer(prog("ucspitlsd") + ["-t", "1", helper("tlsecho")],
                env=env, name="idle")
s = Session(srv.port, ctx, "mail.example.org", timeout=60)
is_(s.cmd("NOOP"), "250 ok", "idle: TLS runs")
rest, how = s.eof()
is_((len(rest), how), (0, "close_notify"),
    "idle: ucspitlsd closes with close_notify")
s.close()
is_(srv.ends(1), [0], "  prog sees end of file and exits 0")
like(srv.text(), r"ucspitlsd: warning: [0-9a-f]{16}: no data from or to 127\.0\.0\.1 for "
     r"1 seconds: closing", "  one line says why")
srv.stop()
done()
