"""TLS clients for the tests of ucspitlsd and of the programs run under it.

    from tlsclient import Session, context, children, find_marked

    s = Session(port, context(ca.cert), "mail.example.org")  # STARTTLS
    s.cmd("EHLO x"); env = s.env(); s.close()
    s = Session(port, ctx, name, starttls=False, implicit=True)  # port 465

A Session speaks the line protocol of t/helpers/tlsecho (an SMTP-like
greeting and replies) over a socket, in clear until starttls() and over
python's ssl after it. context() makes a client SSLContext; children()
and find_marked() find the TLS engine's process for /proc checks, fds()
and descendants() what a process holds and runs. client_hello() and
tls_records() make and check TLS bytes; converse() drives a command-line
client (openssl s_client, gnutls-cli)."""

import hashlib
import os
import selectors
import socket
import ssl
import subprocess
import time


def context(ca=None, cert=None, key=None, minimum=None, maximum=None,
            ciphers=None):
    """A client context trusting ca (no verification when None), with a
    client certificate when cert is given, and protocol bounds as
    ssl.TLSVersion values."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca:
        ctx.load_verify_locations(ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


class Session:
    """One connection to tlsecho (directly or through fixsmtpio)."""

    def __init__(self, port, ctx=None, hostname=None, starttls=True,
                 implicit=False, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.ctx = ctx or context()
        self.hostname = hostname
        self.buf = b""
        if implicit:
            self.sock = self.ctx.wrap_socket(self.sock,
                                             server_hostname=hostname)
        self.greeting = self.reply()
        if starttls:
            self.starttls()

    def starttls(self):
        self.send("EHLO client.example\r\n")
        self.ehlo = self.reply()
        self.send("STARTTLS\r\n")
        self.starttls_reply = self.reply()
        if not self.starttls_reply.startswith("220"):
            raise RuntimeError("STARTTLS refused: " + self.starttls_reply)
        self.sock = self.ctx.wrap_socket(self.sock,
                                         server_hostname=self.hostname)

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
        """One reply, its lines joined with LF."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return "\n".join(lines)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def env(self):
        """tlsecho's environment as a dict."""
        out = {}
        for line in self.cmd("ENV").split("\n")[:-1]:
            name, _, value = line[4:].partition("=")
            out[name] = value
        return out

    def pid(self):
        return int(self.cmd("PID").split()[1])

    def read(self, n):
        """Exactly n bytes (fewer at end of file)."""
        out = [self.buf[:n]]
        got = len(out[0])
        self.buf = self.buf[n:]
        while got < n:
            chunk = self.sock.recv(min(1 << 20, n - got))
            if not chunk:
                break
            out.append(chunk)
            got += len(chunk)
        return b"".join(out)

    def eof(self):
        """Reads to the end: (bytes, how it ended: "close_notify", "eof"
        without one, "reset", or "timeout")."""
        data = [self.buf]
        self.buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return b"".join(data), (
                        "close_notify" if isinstance(self.sock, ssl.SSLSocket)
                        else "eof")
                data.append(chunk)
        except ssl.SSLEOFError:
            return b"".join(data), "eof"
        except (ConnectionResetError, BrokenPipeError):
            return b"".join(data), "reset"
        except socket.timeout:
            return b"".join(data), "timeout"

    def duplex(self, payload, expect, half_close=False, timeout=300):
        """Sends payload while reading expect bytes, in one thread (an
        SSLSocket must not be read and written from two at once). Returns
        (bytes read, their sha256 hex digest, bytes sent). half_close
        ends with a TCP FIN (no close_notify) once all is sent."""
        h = hashlib.sha256(self.buf[:expect])
        got = min(len(self.buf), expect)
        self.buf = self.buf[got:]
        view, sent = memoryview(payload), 0
        sel = selectors.DefaultSelector()
        self.sock.setblocking(False)
        sel.register(self.sock, selectors.EVENT_READ)
        deadline = time.time() + timeout
        try:
            while got < expect and time.time() < deadline:
                events = selectors.EVENT_READ
                if sent < len(payload):
                    events |= selectors.EVENT_WRITE
                sel.modify(self.sock, events)
                ready = sel.select(max(0, deadline - time.time()))
                mask = ready[0][1] if ready else 0
                if mask & selectors.EVENT_READ or self._pending():
                    chunk = self._recv(min(1 << 20, expect - got))
                    if chunk == b"":
                        break
                    if chunk:
                        h.update(chunk)
                        got += len(chunk)
                if mask & selectors.EVENT_WRITE and sent < len(payload):
                    try:
                        sent += self.sock.send(view[sent:sent + (1 << 20)])
                    except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                        pass
                    except OSError:
                        sent = len(payload)  # the peer is gone
                    if sent == len(payload) and half_close:
                        socket.socket.shutdown(self.sock, socket.SHUT_WR)
        finally:
            sel.close()
            self.sock.setblocking(True)
        return got, h.hexdigest(), sent

    def _pending(self):
        return isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()

    def _recv(self, n):
        """Some bytes, b"" at end of file, None when none are there yet."""
        try:
            return self.sock.recv(n)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                BlockingIOError):
            return None
        except (ssl.SSLEOFError, ConnectionResetError):
            return b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def proc_status(pid):
    """/proc/PID/status as a dict of strings; {} when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as fh:
            return dict(line.rstrip("\n").split(":\t", 1) for line in fh
                        if ":\t" in line)
    except OSError:
        return {}


def children(pid, zombies=False):
    """The pids whose parent is pid: running ones, and with zombies=True
    also those that have exited and wait for pid to reap them."""
    out = []
    for d in os.listdir("/proc"):
        st = proc_status(int(d)) if d.isdigit() else {}
        if st.get("PPid") == str(pid) and (
                zombies or not st.get("State", "").startswith("Z")):
            out.append(int(d))
    return sorted(out)


def find_marked(name, value):
    """The pids of the processes whose environment holds name=value: the
    engines of one test, by a variable the test sets for ucspitlsd."""
    want = ("%s=%s" % (name, value)).encode()
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as fh:
                if want in fh.read().split(b"\0"):
                    out.append(int(d))
        except OSError:
            pass
    return sorted(out)


def client_hello(ctx=None, hostname=None):
    """The first flight of a real client (its ClientHello), made in memory,
    and the SSLObject to go on with: (bytes, obj, incoming, outgoing)."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = (ctx or context()).wrap_bio(inc, out, server_hostname=hostname)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read(), obj, inc, out


def tls_records(data):
    """data cut into TLS records [(content type, length)], or None when it
    is not a whole number of records: one byte of plaintext among them, or
    a record cut short, and it is not."""
    out, i = [], 0
    while i < len(data):
        if len(data) - i < 5 or data[i] not in (20, 21, 22, 23) or \
                data[i + 1] != 3:
            return None
        n = int.from_bytes(data[i + 3:i + 5], "big")
        if len(data) - i - 5 < n:
            return None
        out.append((data[i], n))
        i += 5 + n
    return out


def fds(pid):
    """pid's open descriptors: {fd: what it is}, where what is "pipe",
    "socket", "anon_inode:[pidfd]" and such, or a file's path."""
    out = {}
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for name in names:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        out[int(name)] = target.split(":[")[0] if target.startswith(
            ("pipe:", "socket:")) else target
    return out


def descendants(pid):
    """Every process under pid: {pid: (name, parent pid)}."""
    tree = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                st = fh.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        parent = int(st[st.rindex(")") + 2:].split()[1])
        tree.setdefault(parent, []).append((int(d), name))
    out, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, name in tree.get(parent, []):
            out[child] = (name, parent)
            todo.append(child)
    return out


def converse(argv, data, until, timeout=60, env=None):
    """Runs a command-line client (openssl s_client, gnutls-cli), writes
    data to its stdin and keeps stdin open until until (bytes) shows in its
    output, so that it does not hang up before the server has answered;
    then closes stdin and waits. Returns (exit code, stdout, stderr)."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    p.stdin.write(data)
    p.stdin.flush()
    out, err = [], []
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ, out)
    sel.register(p.stderr, selectors.EVENT_READ, err)
    deadline = time.time() + timeout
    open_ = 2
    while open_ and time.time() < deadline:
        for key, _ in sel.select(max(0, deadline - time.time())):
            chunk = os.read(key.fd, 65536)
            if not chunk:
                sel.unregister(key.fileobj)
                open_ -= 1
            key.data.append(chunk)
        if until in b"".join(out) and not p.stdin.closed:
            p.stdin.close()
    sel.close()
    if not p.stdin.closed:
        p.stdin.close()
    try:
        code = p.wait(max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        p.kill()
        code = p.wait()
    return code, b"".join(out), b"".join(err)
