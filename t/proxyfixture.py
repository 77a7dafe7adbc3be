"""PROXY protocol headers and an HAProxy in front of the chain, for the
proxyup tests: headers of version 1 and 2 built byte by byte, clients that
connect from a chosen loopback address (127.0.0.2, so that the server can
tell the client from the balancer on 127.0.0.1), a TLS client that writes
its ClientHello in the same write as a header, and HAProxy started on
127.0.0.1 with a generated configuration, on ports the kernel picks,
stopped by its PID when the test ends."""

import os
import socket
import ssl
import struct
import subprocess
import time

from taplib import TMP, spawn, stop

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(proto, src="", dst="", sport="", dport=""):
    """A version 1 line: v1("TCP4", "192.0.2.7", "10.0.0.1", 4711, 25)."""
    fields = [proto] + [str(f) for f in (src, dst, sport, dport) if f != ""]
    return ("PROXY " + " ".join(fields) + "\r\n").encode()


def tlv(kind, value):
    return bytes([kind]) + struct.pack(">H", len(value)) + value


def ssl_tlv(version=None, cipher=None, client=0x01):
    """PP2_TYPE_SSL: the client bits, verify 0, the version and cipher."""
    subs = b""
    if version is not None:
        subs += tlv(0x21, version)
    if cipher is not None:
        subs += tlv(0x23, cipher)
    return tlv(0x20, bytes([client]) + b"\0\0\0\0" + subs)


def v2(src=None, dst=None, sport=0, dport=0, command=0x21, fam=None,
       tlvs=b"", body=None):
    """A version 2 header; addresses as text pick TCP4 or TCP6."""
    if body is None:
        if src is None:
            body, fam = b"", 0x00 if fam is None else fam
        elif ":" in src:
            body = socket.inet_pton(socket.AF_INET6, src) + \
                socket.inet_pton(socket.AF_INET6, dst)
            fam = 0x21 if fam is None else fam
        else:
            body = socket.inet_aton(src) + socket.inet_aton(dst)
            fam = 0x11 if fam is None else fam
        if src is not None:
            body += struct.pack(">HH", sport, dport)
        body += tlvs
    return SIG + bytes([command, fam]) + struct.pack(">H", len(body)) + body


def connect_from(src, port, timeout=30):
    """A TCP connection to 127.0.0.1:port from the address src."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def shut_wr(s):
    """Ends what s sends; a connection the server already reset is
    ended too."""
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def read_all(s):
    """Everything up to the server's close; a reset counts as a close."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return data


class TLSAfterHeader:
    """A TLS client whose first write is header followed by its
    ClientHello, in one send(), then TLS over the same socket."""

    def __init__(self, sock, header, ctx, name="mx.example.org"):
        self.sock = sock
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname=name)
        first = True
        for _ in range(100):
            try:
                self.tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            data = self.out.read()
            if first:
                data, first = header + data, False
            if data:
                self.sock.sendall(data)
            if done:
                return
            self._fill()
        raise RuntimeError("TLS handshake did not finish")

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.inc.write(chunk)

    def send(self, data):
        self.tls.write(data)
        self.sock.sendall(self.out.read())

    def line(self):
        buf = b""
        while not buf.endswith(b"\n"):
            try:
                buf += self.tls.read(1)
            except ssl.SSLWantReadError:
                self._fill()
        return buf.decode().rstrip("\r\n")

    def reply(self):
        lines = [self.line()]
        while lines[-1][3:4] == "-":
            lines.append(self.line())
        return lines


def free_port(host="127.0.0.1"):
    """A port no socket on host uses now, for HAProxy to bind."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port, host="127.0.0.1"):
    """True when something listens on port of host's family (from /proc,
    so that no connection is made)."""
    want = ":%04X" % port
    with open("/proc/net/tcp6" if ":" in host else "/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            f = line.split()
            if f[1].endswith(want) and f[3] == "0A":
                return True
    return False


class HAProxy:
    """haproxy -db on bind (127.0.0.1, or ::1): one TCP frontend per entry
    of routes, (name, backend port or ports, server options, bind options),
    each on a free port (self.port[name]); several backend ports are served
    in turn (round robin); connections to the backends come from
    127.0.0.1."""

    def __init__(self, routes, name="haproxy", bind="127.0.0.1"):
        self.cfg = os.path.join(TMP, name + ".cfg")
        self.log = os.path.join(TMP, name + ".log")
        self.bind = bind
        for _ in range(5):
            self.port = {r[0]: free_port(bind) for r in routes}
            with open(self.cfg, "w") as fh:
                fh.write(self._config(routes))
            with open(self.log, "ab") as log:
                self.proc = spawn(["haproxy", "-db", "-f", self.cfg],
                                  stdout=log, stderr=log)
            if self._wait():
                return
            stop(self.proc)
        raise RuntimeError("haproxy did not start: " + self.text())

    def _config(self, routes):
        out = ["global", "    maxconn 200", "",
               "defaults", "    mode tcp", "    timeout connect 30s",
               "    timeout client 300s", "    timeout server 300s", ""]
        bind = "[%s]" % self.bind if ":" in self.bind else self.bind
        for name, backends, server_opts, bind_opts in routes:
            if isinstance(backends, int):
                backends = [backends]
            out += ["frontend %s" % name,
                    "    bind %s:%d %s" % (bind, self.port[name], bind_opts),
                    "    default_backend %s" % name, "",
                    "backend %s" % name, "    balance roundrobin",
                    "    source 127.0.0.1"]
            out += ["    server %s%d 127.0.0.1:%d %s" % (name, i, port,
                                                         server_opts)
                    for i, port in enumerate(backends)] + [""]
        return "\n".join(out)

    def _wait(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            if all(listening(p, self.bind) for p in self.port.values()):
                return True
            time.sleep(0.05)
        return False

    def text(self):
        with open(self.log, "rb") as fh:
            return fh.read().decode("utf-8", "replace")

    def stop(self):
        stop(self.proc)


def haproxy_version():
    try:
        r = subprocess.run(["haproxy", "-v"], capture_output=True, text=True,
                           timeout=30)
    except OSError:
        return None
    return r.stdout.split("\n")[0] if r.returncode == 0 else None
