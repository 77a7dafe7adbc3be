"""The SMTP smuggling corpus: every sequence of up to four bytes from
{CR, LF, NUL, '.', SP, TAB, 'x'} at a line start inside a message, sent
through fixsmtpio in one write and split at every position, into a real
server (msmtpd) and into the loosest stand-in (t/helpers/loosesmtpd: C-string
lines, bare CR and bare LF as line ends, a lone dot ends the data).

model() is fixsmtpio's view of the bytes after 354, written here from RFC
5321 and fixsmtpio(8), independently of its code: where the client's data
ends, whether it is refused (a NUL or a bare CR before that end), and the
bytes the server must receive. run_case() sends one case and checks that the
messages that arrive are exactly the ones that model says, byte for byte,
and, with the loose server, that each is what fixsmtpio's debug log says it
forwarded."""

import itertools
import os
import re
import socket
import threading
import time

from taplib import (DEBUG, SMTP, TCPServer, environ, helper, maildir, msmtpd,
                    prog)

ALPHABET = b"\r\n\0. \tx"
PREFIX = b"Subject: corpus\r\n\r\nbefore\r\n"
SUFFIX = (b"\r\nMAIL FROM:<smuggled@attacker.example>\r\n"
          b"RCPT TO:<victim@example.org>\r\nDATA\r\n"
          b"Subject: smuggled\r\n\r\nforged\r\n.\r\n")
SMUGGLED_BODY = b"Subject: smuggled\r\n\r\nforged\r\n"


def sequences(longest=4):
    for n in range(longest + 1):
        for seq in itertools.product(ALPHABET, repeat=n):
            yield bytes(seq)


def cases(longest=4):
    """(sequence, split): split None is one write; otherwise the stream is
    written in two parts, cut at that offset within the sequence."""
    for seq in sequences(longest):
        yield seq, None
        for k in range(len(seq) + 1):
            yield seq, len(PREFIX) + k


def data_end(stream):
    """The client's end of data: just past the first ".\\r\\n" at the start
    of the data or right after a CR LF; None when there is none."""
    p = 0
    while True:
        p = stream.find(b".\r\n", p)
        if p < 0:
            return None
        if p == 0 or stream[p - 2:p] == b"\r\n":
            return p + 3
        p += 1


def refused_at(data):
    """The offset of the first NUL or bare CR in data, or None."""
    for i, b in enumerate(data):
        if b == 0 or (b == 13 and data[i + 1:i + 2] != b"\n"):
            return i
    return None


def forwarded(data):
    """What the server gets for data (the bytes before the end line, clean):
    every bare LF a line end sent as CR LF, a line made so dot-stuffed, the
    stuffing dot before a bare LF dropped; then the end line."""
    out = []
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines[:-1]:
        pieces = line.split(b"\n")
        first = pieces[0]
        if first == b"." and len(pieces) > 1:
            first = b""
        out.append(first)
        for made in pieces[1:]:
            out.append(b"." + made if made.startswith(b".") else made)
    return b"".join(p + b"\r\n" for p in out) + b".\r\n"


def commands(rest):
    """The command lines fixsmtpio reads from rest: LF ends a line, a CR
    before it is not part of it."""
    lines = rest.split(b"\n")
    return [l[:-1] if l.endswith(b"\r") else l for l in lines[:-1]]


def model(stream, strict=False):
    """[(refused offset or None, bytes the server gets)] for each message
    fixsmtpio sees in stream (the bytes after 354, then commands), and
    whether the session should end with QUIT. strict: the server ends the
    session at a command it does not expect, as msmtpd does."""
    msgs = []
    end = data_end(stream)
    assert end is not None
    data = stream[:end - 3]
    bad = refused_at(stream[:end])
    msgs.append((bad, None if bad is not None else forwarded(data)))
    if end == len(stream):
        return msgs, True
    # The sequence held a real end: what follows it is commands, the
    # smuggled MAIL, RCPT and DATA among them, and a second message. Lines
    # with a NUL or a CR never reach the server; any other line before MAIL
    # makes a strict server end the session.
    lines = commands(stream[end:])
    mail = [i for i, c in enumerate(lines) if c.startswith(b"MAIL ")][0]
    junk = [c for c in lines[:mail] if b"\0" not in c and b"\r" not in c]
    if strict and junk:
        return msgs, False
    msgs.append((None, forwarded(SMUGGLED_BODY)))
    return msgs, True


def unstuffed(fwd):
    """What msmtpd stores from what it got: lines with LF ends, leading dots
    removed, without the end line."""
    lines = fwd.split(b"\r\n")[:-2]
    return b"".join((l[1:] if l.startswith(b".") else l) + b"\n"
                    for l in lines)


def strip_trace(msg):
    """msmtpd puts its own Received: line (and its continuations) first."""
    lines = msg.split(b"\n")
    i = 1 if lines[0].startswith(b"Received: ") else 0
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
    return b"\n".join(lines[i:])


class Target:
    """One server chain under tcpserver: fixsmtpio in front of msmtpd or
    loosesmtpd, delivering into a folder of its own."""

    def __init__(self, kind, ctl, name):
        self.kind = kind
        self.name = name
        if kind == "msmtpd":
            self.store = maildir(name)
            server = msmtpd(self.store)
            self.new = os.path.join(self.store, "new")
        else:
            self.store = maildir(name)
            self.new = os.path.join(self.store, "new")
            server = [helper("loosesmtpd"), self.new]
        self.srv = TCPServer(prog("fixsmtpio") + server,
                             env=environ(CONTROLDIR=ctl, FIXSMTPIODEBUG="1"),
                             name=name)
        self.seen = set()
        self.logpos = 0

    def arrived(self):
        """The messages delivered since the last look, oldest first."""
        names = [n for n in os.listdir(self.new)
                 if n not in self.seen and not n.startswith(".")]
        got = []
        for n in names:
            p = os.path.join(self.new, n)
            with open(p, "rb") as fh:
                got.append((os.path.getmtime(p), n, fh.read()))
            self.seen.add(n)
        got.sort()
        return [m for _, _, m in got]

    def new_log(self):
        with open(self.srv.log, "rb") as fh:
            fh.seek(self.logpos)
            text = fh.read()
        self.logpos += len(text)
        return text.decode("latin-1")

    def stop(self):
        self.srv.stop()


def converse(port, stream, split):
    """Sends one case; returns the reply codes, in order, up to the close."""
    c = SMTP(port, timeout=30)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    codes = [c.reply()[0]]
    for cmd in (b"EHLO corpus.example\r\n", b"MAIL FROM:<a@example.org>\r\n",
                b"RCPT TO:<b@example.org>\r\n", b"DATA\r\n"):
        c.send(cmd)
        codes.append(c.reply()[0])
    if split is None:
        c.send(stream + b"QUIT\r\n")
    else:
        c.send(stream[:split])
        time.sleep(0.001)  # a chance for fixsmtpio to read the parts apart
        c.send(stream[split:] + b"QUIT\r\n")
    codes += c.codes_until_close()
    c.close()
    return codes


def run_case(target, seq, split):
    """Returns a list of problems (empty when the case holds)."""
    stream = PREFIX + seq + SUFFIX
    want, quits = model(stream, strict=target.kind == "msmtpd")
    try:
        codes = converse(target.srv.port, stream, split)
    except (OSError, EOFError, ValueError) as e:
        return ["conversation failed: %r" % e]
    problems = []
    if codes[:5] != [220, 250, 250, 250, 354]:
        problems.append("replies before the data: %r" % codes[:5])
    if want[0][0] is not None and 554 not in codes:
        problems.append("no 554 for the refused message: %r" % codes)
    if quits and codes[-1:] != [221]:
        problems.append("the session did not end with QUIT's 221: %r"
                        % codes)
    got = target.arrived()
    target.last_got = got
    expected = [fwd for bad, fwd in want if bad is None]
    if len(got) != len(expected):
        problems.append("%d message(s) arrived, %d expected" %
                        (len(got), len(expected)))
        return problems
    for g, fwd in zip(got, expected):
        if target.kind == "msmtpd":
            if strip_trace(g) != unstuffed(fwd):
                problems.append("msmtpd stored %r, expected %r"
                                % (strip_trace(g)[-80:], unstuffed(fwd)[-80:]))
        elif g != fwd[:-3]:
            problems.append("loosesmtpd got %r, fixsmtpio should have sent "
                            "%r" % (g[-80:], fwd[-83:-3]))
    if target.kind != "msmtpd":
        log = target.new_log()
        said = [int(n) for n in
                re.findall(r"(?m)" + DEBUG + r"D \d+ bytes from the client, "
                           r"(\d+) to the server$", log)]
        if said != [len(g) + 3 for g in got]:
            problems.append("fixsmtpio said it forwarded %r bytes, the server "
                            "got %r (and the end line)"
                            % (said, [len(g) for g in got]))
        refusals = re.findall(r"(?m)" + DEBUG + r"D \d+ bytes from the "
                              r"client, refused: (NUL|bare CR) at byte (\d+)$",
                              log)
        if want[0][0] is not None and \
                [int(at) for _, at in refusals] != [want[0][0]]:
            problems.append("fixsmtpio's refusal %r, expected at byte %d"
                            % (refusals, want[0][0]))
    return problems


def run_all(targets, work):
    """Runs every case of work against each kind of server, the cases of
    one kind shared among its targets, one thread each. Returns (cases run,
    [(case, problems)])."""
    lock = threading.Lock()
    queues = {t.kind: list(work) for t in targets}
    failures = []
    done = [0]

    def worker(target):
        queue = queues[target.kind]
        while True:
            with lock:
                if not queue:
                    return
                seq, split = queue.pop()
            problems = run_case(target, seq, split)
            with lock:
                done[0] += 1
                if problems:
                    failures.append(((target.kind, seq, split), problems))

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0], failures
