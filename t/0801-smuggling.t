#!/usr/bin/env python3
"""SMTP smuggling: every published end-of-data variant, in one write and
split across reads, through fixsmtpio to a real server (msmtpd). The server
must receive exactly one message, with the smuggled commands in it as text,
and must never execute them."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

ctl = controldir(me="mx.example\n")
VARIANTS = {
    "\\n.\\n": b"\n.\n",
    "\\n.\\r\\n": b"\n.\r\n",
    "\\r\\n.\\n": b"\r\n.\n",
    "\\r.\\r": b"\r.\r",
    "\\r\\n.\\r": b"\r\n.\r",
}
SMUGGLED = (b"MAIL FROM:<evil@attacker.example>\r\n"
            b"RCPT TO:<victim@example.org>\r\nDATA\r\n"
            b"Subject: smuggled\r\n\r\nforged body\r\n")


def pieces(data, mode, at):
    if mode == "one write":
        return [data]
    if mode == "split at the variant":
        return [data[:at], data[at:at + 2], data[at + 2:]]
    return [data[:at - 2]] + [bytes([b]) for b in data[at - 2:at + 8]] + \
        [data[at + 8:]]


n = 0
for vname, variant in VARIANTS.items():
    for mode in ("one write", "split at the variant", "byte by byte"):
        n += 1
        md = maildir("md%d" % n)
        srv = TCPServer(prog("fixsmtpio") + msmtpd(md),
                        env=environ(CONTROLDIR=ctl), name="s%d" % n)
        c = SMTP(srv.port)
        codes = [c.reply()[0]]
        for cmd in (b"EHLO c\r\n", b"MAIL FROM:<a@example.org>\r\n",
                    b"RCPT TO:<b@example.org>\r\n", b"DATA\r\n"):
            c.send(cmd)
            codes.append(c.reply()[0])
        head = b"Subject: legitimate\r\n\r\nhello"
        data = head + variant + SMUGGLED + b"\r\n.\r\nQUIT\r\n"
        for p in pieces(data, mode, len(head)):
            c.send(p)
            if mode != "one write":
                time.sleep(0.02)
        while True:
            code, _ = c.reply()
            if code is None:
                break
            codes.append(code)
        label = "%s, %s" % (vname, mode)
        is_(codes, [220, 250, 250, 250, 354, 250, 221],
            "%s: one message accepted, nothing else answered" % label)
        msgs = messages(md, 1)
        time.sleep(0.1)
        msgs = messages(md)
        is_(len(msgs), 1, "%s: the server received exactly one message"
            % label)
        body = msgs[0] if msgs else b""
        ok(b"MAIL FROM:<evil@attacker.example>" in body and
           b"Subject: smuggled" in body and b"forged body" in body,
           "%s: the smuggled commands are message text" % label)
        srv.stop()
done()
