#!/usr/bin/env python3
"""proxyup under tcpserver, with the bytes a balancer or a stranger sends
written by hand: good version 1 and 2 headers give prog the client's
addresses (and TLS from the SSL TLV), and the client's bytes sent in the
same write as the header reach prog whole; UNKNOWN, LOCAL and the
fallback families keep the connection's own; every kind of broken header,
a header cut short and then closed or silent, a header from an address
control/proxyfrom does not list, a missing, unreadable or broken
control/proxyfrom, each end as proxyup(8) says, with one line saying
why. The balancer is 127.0.0.1; clients that connect directly come from
127.0.0.2."""

import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from proxyfixture import (SIG, connect_from, read_all, shut_wr,  # noqa: E402
                          ssl_tlv, tlv, v1, v2)

ID = r"[0-9a-f]{16}"
VARS = ("TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT",
        "TCPREMOTEHOST", "TCPREMOTEINFO", "TCPLOCALHOST", "SSL_PROTOCOL",
        "SSL_CIPHER", "SSL_CLIENT_S_DN", "SSL_UID", "SESSIONID", "PROTO",
        "TCP6REMOTEIP", "TCP6REMOTEPORT", "TCP6LOCALIP", "TCP6LOCALPORT",
        "TCP6REMOTEHOST", "TCP6REMOTEINFO")

# prog: prints the variables, "---", then echoes what it reads.
PROBE = os.path.join(TMP, "probe")
with open(PROBE, "w") as fh:
    fh.write("#!/bin/sh\n"
             "for v in %s; do\n"
             "    printf '%%s=%%s\\n' \"$v\" \"$(printenv \"$v\" || "
             "echo unset)\"\n"
             "done\n"
             "echo ---\n"
             "exec cat\n" % " ".join(VARS))
os.chmod(PROBE, 0o755)

# Variables a client side of something else might have left: they must not
# reach prog, except SSL_UID (ucspitlsd's setting).
STALE = ["env", "TCPREMOTEHOST=lb.example", "TCPREMOTEINFO=lbuser",
         "TCP6REMOTEHOST=lb.example", "TCP6REMOTEINFO=lbuser",
         "SSL_PROTOCOL=stale", "SSL_CLIENT_S_DN=CN=stale", "SSL_UID=64011"]
LIST = "# the balancers\n\n  127.0.0.0/31  \r\n2001:db8:5::/48\n"
ctl = controldir("ctl", proxyfrom=LIST)


def server(name, limit=None, **env):
    e = dict(CONTROLDIR=ctl)
    e.update(env)
    return TCPServer(STALE + prog("proxyup") + [PROBE], env=environ(**e),
                     limit=limit, name=name)


def parse(out):
    """The probe's variables and what it echoed."""
    head, sep, rest = out.partition(b"---\n")
    if not sep:
        return None, out
    return dict(line.split("=", 1) for line in head.decode().splitlines()), \
        rest


def session(srv, data, src="127.0.0.1", shut=True):
    """One connection: data in one write, then (shut) end of file. Returns
    what came back, proxyup's (or prog's) exit code, and the log lines the
    session added."""
    mark = len(srv.text())
    n = len(srv.ends(0, timeout=0))
    s = connect_from(src, srv.port)
    if data:
        s.sendall(data)
    if shut:
        shut_wr(s)
    out = read_all(s)
    s.close()
    codes = srv.ends(n + 1, timeout=60)
    return out, codes[n] if len(codes) > n else None, srv.text()[mark:]


def early(srv, data, src="127.0.0.2"):
    """data sent before proxyup runs, for certain: srv takes one connection
    at a time (-c 1), and a first connection holds the slot until the
    second has sent it. Returns what the second got back, its exit code and
    its log lines."""
    n = len(srv.ends(0, timeout=0))
    hold = connect_from(src, srv.port)
    got = b""
    while not got.endswith(b"---\n"):
        chunk = hold.recv(4096)
        if not chunk:
            break
        got += chunk
    mark = len(srv.text())
    s = connect_from(src, srv.port)
    s.sendall(data)
    hold.shutdown(socket.SHUT_WR)
    read_all(hold)
    hold.close()
    shut_wr(s)
    out = read_all(s)
    s.close()
    codes = srv.ends(n + 2, timeout=60)
    return out, codes[n + 1] if len(codes) > n + 1 else None, \
        srv.text()[mark:]


srv = server("proxyup")
client = b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"

# Good headers, the client's bytes in the same write.
out, code, log = session(srv, v1("TCP4", "192.0.2.7", "198.51.100.25", 4711,
                                 25) + client)
env, rest = parse(out)
is_((env or {}).get("TCPREMOTEIP"), "192.0.2.7", "v1 TCP4: TCPREMOTEIP")
is_((env["TCPREMOTEPORT"], env["TCPLOCALIP"], env["TCPLOCALPORT"]),
    ("4711", "198.51.100.25", "25"),
    "  TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT")
is_((env["TCPREMOTEHOST"], env["TCPREMOTEINFO"]), ("unset", "unset"),
    "  TCPREMOTEHOST and TCPREMOTEINFO (the balancer's) removed")
is_(env["TCPLOCALHOST"], "0", "  TCPLOCALHOST kept (tcpserver -l0)")
is_((env["PROTO"], env["TCP6REMOTEIP"], env["TCP6REMOTEPORT"],
     env["TCP6LOCALIP"], env["TCP6LOCALPORT"]),
    ("TCP", "::ffff:192.0.2.7", "4711", "::ffff:198.51.100.25", "25"),
    "  PROTO and the TCP6* variables as tcpserver with IPv6 sets them")
is_((env["TCP6REMOTEHOST"], env["TCP6REMOTEINFO"]), ("unset", "unset"),
    "  TCP6REMOTEHOST and TCP6REMOTEINFO removed")
is_((env["SSL_PROTOCOL"], env["SSL_CIPHER"], env["SSL_CLIENT_S_DN"]),
    ("unset", "unset", "unset"), "  stale SSL_* variables removed")
is_(env["SSL_UID"], "64011", "  SSL_UID (ucspitlsd's setting) kept")
is_(rest, client, "  the client's bytes after the header reach prog whole")
is_(code, 0, "  prog's exit code")
like(log, r"(?m)^proxyup: info: %s: summary: ip=192\.0\.2\.7 port=4711 "
     r"localip=198\.51\.100\.25 localport=25 via=127\.0\.0\.1 header=v1 "
     r"addresses=header tls=- cipher=-$" % re.escape(env["SESSIONID"]),
     "  one summary line, with the session ID prog gets")

out, code, log = session(srv, v1("TCP6", "2001:DB8:0:0:0:0:0:7",
                                 "2001:db8::25", 65535, 0) + b"x")
env, rest = parse(out)
is_(((env or {}).get("TCPREMOTEIP"), env and env["TCPREMOTEPORT"],
     env and env["TCPLOCALIP"], env and env["TCPLOCALPORT"], rest),
    ("2001:db8::7", "65535", "2001:db8::25", "0", b"x"),
    "v1 TCP6: addresses as inet_ntop writes them, ports 65535 and 0")
is_((env["PROTO"], env["TCP6REMOTEIP"], env["TCP6REMOTEPORT"],
     env["TCP6LOCALIP"], env["TCP6LOCALPORT"]),
    ("TCP6", "2001:db8::7", "65535", "2001:db8::25", "0"),
    "  PROTO=TCP6, and TCP6* the same addresses")
out, code, log = session(srv, v1("TCP6", "::ffff:192.0.2.8", "::1", 1, 2))
env, rest = parse(out)
is_(((env or {}).get("TCPREMOTEIP"), env and env["TCP6REMOTEIP"],
     env and env["PROTO"]), ("192.0.2.8", "::ffff:192.0.2.8", "TCP"),
    "v1 TCP6, IPv4-mapped: as IPv4")

out, code, log = session(srv, v2("192.0.2.9", "198.51.100.25", 5555, 465,
                                 tlvs=tlv(0x04, b"\0\0") +
                                 ssl_tlv(b"TLSv1.3",
                                         b"TLS_AES_256_GCM_SHA384")) +
                         b"\x16\x03\x01")
env, rest = parse(out)
is_(((env or {}).get("TCPREMOTEIP"), env and env["TCPLOCALPORT"], rest),
    ("192.0.2.9", "465", b"\x16\x03\x01"),
    "v2 TCP4 with TLVs, the client's bytes after it whole")
is_((env["SSL_PROTOCOL"], env["SSL_CIPHER"], env["SSL_CLIENT_S_DN"]),
    ("TLSv1.3", "TLS_AES_256_GCM_SHA384", "unset"),
    "  SSL_PROTOCOL and SSL_CIPHER from the SSL TLV, no stale one")
like(log, r"(?m)summary: ip=192\.0\.2\.9 .* header=v2 addresses=header "
     r"tls=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384$",
     "  the summary says the TLS")
out, code, log = session(srv, v2("2001:db8::9", "2001:db8::25", 1, 25,
                                 tlvs=ssl_tlv(b"TLSv1.3", b"X", client=0)))
env, rest = parse(out)
is_(((env or {}).get("TCPREMOTEIP"), env and env["SSL_PROTOCOL"]),
    ("2001:db8::9", "unset"),
    "v2 TCP6, SSL TLV without PP2_CLIENT_SSL: no TLS variable")

# The connection's own addresses.
for name, header in (("v1 UNKNOWN", v1("UNKNOWN")),
                     ("v1 UNKNOWN with addresses",
                      v1("UNKNOWN", "::1", "::2", 1, 2)),
                     ("v2 LOCAL", v2(command=0x20)),
                     ("v2 LOCAL with addresses",
                      v2("192.0.2.7", "10.0.0.1", 1, 2, command=0x20)),
                     ("v2 PROXY UNSPEC", v2()),
                     ("v2 PROXY UDP4", v2("192.0.2.7", "10.0.0.1", 1, 2,
                                          fam=0x12))):
    out, code, log = session(srv, header + client)
    env, rest = parse(out)
    is_(((env or {}).get("TCPREMOTEIP"), env and env["TCPLOCALPORT"],
         env and env["TCPREMOTEHOST"], env and env["SSL_PROTOCOL"],
         env and env["TCP6REMOTEIP"], env and env["PROTO"], rest),
        ("127.0.0.1", str(srv.port), "lb.example", "unset",
         "::ffff:127.0.0.1", "TCP", client),
        "%s: the connection's own addresses, the client's bytes whole"
        % name)
like(log, r"summary: ip=127\.0\.0\.1 port=\d+ localip=127\.0\.0\.1 "
     r"localport=%d via=127\.0\.0\.1 header=v2 addresses=connection"
     % srv.port, "  logged as the connection's own")

# A balancer's health check that sends nothing.
out, code, log = session(srv, b"")
is_((out, code), (b"", 0), "nothing from a balancer: exit 0, prog not run")
like(log, r"(?m)^proxyup: info: %s: 127\.0\.0\.1 closed the connection "
     r"without sending anything$" % ID, "  one info line")

# Broken headers from the balancer: refused, nothing sent, exit 100.
BAD = [
    ("v1 TCP5", v1("TCP5", "192.0.2.7", "10.0.0.1", 1, 2),
     "a protocol other than TCP4, TCP6 and UNKNOWN"),
    ("v1 an address past 255", v1("TCP4", "192.0.2.256", "10.0.0.1", 1, 2),
     "an address that is not one of the protocol's family"),
    ("v1 an IPv4 address in TCP6", v1("TCP6", "192.0.2.7", "::1", 1, 2),
     "an address that is not one of the protocol's family"),
    ("v1 a leading zero", v1("TCP4", "192.0.2.07", "10.0.0.1", 1, 2),
     "an address that is not"),
    ("v1 port 65536", v1("TCP4", "192.0.2.7", "10.0.0.1", 65536, 25),
     "a port that is not a number from 0 to 65535"),
    ("v1 port 025", b"PROXY TCP4 192.0.2.7 10.0.0.1 4711 025\r\n",
     "a port that is not"),
    ("v1 two spaces", b"PROXY TCP4 192.0.2.7  10.0.0.1 4711 25\r\n",
     "not four fields"),
    ("v1 a bare LF", b"PROXY TCP4 192.0.2.7 10.0.0.1 4711 25\nEHLO x\r\n",
     "a line that ends in a bare LF"),
    ("v1 too long", b"PROXY UNKNOWN " + b"A" * 150 + b"\r\n",
     "no line end within 107 bytes"),
    ("v1 a NUL", b"PROXY TCP4 192.0.2.7\0 10.0.0.1 4711 25\r\n",
     "a byte that is not printable ASCII"),
    ("SMTP instead of a header", b"EHLO client.example\r\n",
     "neither a version 1 nor a version 2 header"),
    ("a TLS ClientHello instead", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc",
     "neither a version 1 nor a version 2 header"),
    ("v2 length 4081", SIG + b"\x21\x11\x0f\xf1" + b"\0" * 64,
     "a length above 4080 bytes"),
    ("v2 length 65535", SIG + b"\x21\x11\xff\xff", "a length above 4080"),
    ("v2 a broken signature", SIG[:7] + b"q" + SIG[8:] + b"\x21\x11\0\0",
     "a version 2 signature that is not whole"),
    ("v2 version 1", v2("192.0.2.7", "10.0.0.1", 1, 2, command=0x11),
     "a version other than 2"),
    ("v2 command 2", v2("192.0.2.7", "10.0.0.1", 1, 2, command=0x22),
     "a command other than LOCAL and PROXY"),
    ("v2 family 4", v2("192.0.2.7", "10.0.0.1", 1, 2, fam=0x41),
     "an unknown family or transport"),
    ("v2 TCP4 with 11 bytes", v2(body=b"\0" * 11, fam=0x11),
     "a length too short for the family's addresses"),
    ("v2 a TLV past the end", v2("192.0.2.7", "10.0.0.1", 1, 2,
                                  tlvs=b"\x04\x00\x09ab"),
     "a TLV that runs past the header"),
    ("v2 an SSL version with a space",
     v2("192.0.2.7", "10.0.0.1", 1, 2, tlvs=ssl_tlv(b"TLS 1.3", b"X")),
     "an SSL version or cipher that is not 1 to 64 printable"),
]
for name, data, why in BAD:
    out, code, log = session(srv, data, shut=False)
    ok(out == b"" and code == 100, "%s: refused, exit 100" % name)
    if out or code != 100:
        diag("got %r, exit %r" % (out[:200], code))
    like(log, r"(?m)^proxyup: fatal: %s: refusing the connection from "
         r"127\.0\.0\.1: %s" % (ID, re.escape(why)), "  the log says why")
ok("summary" not in log and "probe" not in log, "  and prog never ran")

# Cut short, then closed.
for name, data in (("v1", b"PROXY TCP4 192.0.2.7 10.0"), ("v2", SIG[:8]),
                   ("v2 body", v2("192.0.2.7", "10.0.0.1", 1, 2)[:20])):
    out, code, log = session(srv, data)
    is_((out, code), (b"", 100), "%s cut short, then closed: exit 100"
        % name)
    like(log, r"refusing the connection from 127\.0\.0\.1: the connection "
         r"closed within the PROXY header: \"", "  the log says so")

# Cut short, then silent: the deadline.
slow = server("slow", PROXYUP_TIMEOUT="1")
for name, data in (("v1 without its CR LF", b"PROXY TCP4 192.0.2.7 "
                    b"10.0.0.1 4711 25"),
                   ("v2 without its last byte",
                    v2("192.0.2.7", "10.0.0.1", 1, 2)[:-1]),
                   ("nothing", b"")):
    out, code, log = session(slow, data, shut=False)
    is_((out, code), (b"", 100), "%s, then silence: closed, exit 100" % name)
    like(log, r"(?m)^proxyup: fatal: %s: refusing the connection from "
         r"127\.0\.0\.1: no whole PROXY header within 1 second$" % ID,
         "  after PROXYUP_TIMEOUT, and the log says so")
slow.stop()

# From an address the list does not name: prog runs as it is.
out, code, log = session(srv, b"", src="127.0.0.2")
env, rest = parse(out)
is_(((env or {}).get("TCPREMOTEIP"), env and env["TCPREMOTEHOST"],
     env and env["SSL_PROTOCOL"]), ("127.0.0.2", "lb.example", "unset"),
    "not listed, nothing sent: prog runs with tcpserver's variables, "
    "stale SSL_* removed")
like(log, r"summary: ip=127\.0\.0\.2 port=\d+ localip=127\.0\.0\.1 "
     r"localport=%d via=- header=none addresses=connection" % srv.port,
     "  logged with via=-")
s = connect_from("127.0.0.2", srv.port)
got = b""
while not got.endswith(b"---\n"):
    got += s.recv(4096)
late = v1("TCP4", "192.0.2.66", "10.0.0.1", 1, 2)
s.sendall(late)
shut_wr(s)
env, rest = parse(got + read_all(s))
s.close()
is_((env["TCPREMOTEIP"], rest), ("127.0.0.2", late),
    "not listed, a header after prog started: it is client data to prog, "
    "never the client's address")

one = server("one", limit=1)
for name, data in (("v1", v1("TCP4", "192.0.2.66", "10.0.0.1", 1, 2)),
                   ("v2", v2("192.0.2.66", "10.0.0.1", 1, 2))):
    out, code, log = early(one, data + client)
    is_((out, code), (b"", 100), "not listed, a %s header first: refused, "
        "exit 100" % name)
    like(log, r"(?m)^proxyup: fatal: %s: refusing a PROXY header from "
         r"127\.0\.0\.2, which %s/proxyfrom does not list$"
         % (ID, re.escape(ctl)), "  the log says so")
hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
out, code, log = early(one, hello)
env, rest = parse(out)
is_(((env or {}).get("TCPREMOTEIP"), rest), ("127.0.0.2", hello),
    "not listed, a ClientHello first: prog runs and gets it whole")
one.stop()

# Without control/proxyfrom nobody is listed, and each connection says so.
empty = controldir("empty")
none = TCPServer(prog("proxyup") + [PROBE],
                 env=environ(CONTROLDIR=empty), limit=1, name="none")
out, code, log = session(none, b"")
env, rest = parse(out)
is_((env or {}).get("TCPREMOTEIP"), "127.0.0.1",
    "no proxyfrom: the balancer's address runs prog as it is")
like(log, r"(?m)^proxyup: warning: %s: %s/proxyfrom does not exist: no "
     r"balancer is listed, so every PROXY header is refused$"
     % (ID, re.escape(empty)), "  with a warning naming the file")
out, code, log = early(none, v1("TCP4", "192.0.2.7", "10.0.0.1", 1, 2),
                       src="127.0.0.1")
is_((out, code), (b"", 100), "no proxyfrom: a header is refused")
like(log, r"refusing a PROXY header from 127\.0\.0\.1, which .*/proxyfrom "
     r"does not list", "  the log says so")
none.stop()


def run(env, args=None):
    """proxyup run by hand: exit code and what it said."""
    e = dict(TCPREMOTEIP="127.0.0.1")
    e.update(env)
    r = subprocess.run(prog("proxyup") + (args if args is not None
                                          else ["true"]),
                       env=environ(**e), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    return r.returncode, r.stderr.decode()


os.makedirs(os.path.join(TMP, "isdir", "proxyfrom"), exist_ok=True)
code, err = run(dict(CONTROLDIR=os.path.join(TMP, "isdir")))
is_(code, 111, "an unreadable proxyfrom: exit 111")
like(err, r"^proxyup: fatal: %s: unable to read \S+/isdir/proxyfrom: Is a "
     r"directory\n$" % ID, "  naming the file and the reason")
code, err = run(dict(CONTROLDIR=controldir("broken", proxyfrom="127.0.0.1\n"
                                           "lb.example\n")))
is_(code, 111, "a proxyfrom line that is no address: exit 111")
like(err, r"proxyup: fatal: %s: \S+/broken/proxyfrom:2: not an IPv4 or "
     r"IPv6 address\n$" % ID, "  naming the file and the line")
code, err = run(dict(CONTROLDIR=controldir("host", proxyfrom="10.0.0.5/8\n")))
like(err, r"proxyfrom:1: an address with bits set past its prefix length",
     "10.0.0.5/8: refused with exit %d" % code)
for value in ("0", "3601", "5s", ""):
    code, err = run(dict(CONTROLDIR=ctl, PROXYUP_TIMEOUT=value))
    ok(code == 111 and "PROXYUP_TIMEOUT=%s is not a number of seconds from "
       "1 to 3600" % value in err, "PROXYUP_TIMEOUT=%r: exit 111, said so"
       % value)
code, err = run(dict(CONTROLDIR=ctl, TCPREMOTEIP=None))
is_(code, 111, "without TCPREMOTEIP: exit 111")
like(err, r"TCPREMOTEIP is not an address: run proxyup under tcpserver",
     "  and says so")
code, err = run(dict(CONTROLDIR=ctl), args=[])
is_(code, 100, "no prog: usage, exit 100")
like(err, r"^proxyup: usage: proxyup prog", "  usage text")
code, err = run(dict(CONTROLDIR=ctl, TCPREMOTEIP="127.0.0.2"),
                args=[os.path.join(TMP, "nonexistent")])
is_(code, 111, "a prog that cannot run: 111")
like(err, r"unable to run \S+nonexistent: No such file", "  with the reason")
srv.stop()
done()
