#!/usr/bin/env python3
"""The check modes: ucspitlsd -C, authup -C and checkpassword-cdb -C read
everything a connection would read and report every problem, one line each
naming the file or setting and the reason; exit 0 when they would serve,
100 when not. Each problem, one at a time, and several at once."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsfixture import make_ca, make_cert, make_key  # noqa: E402


def run(name, args, **env):
    r = subprocess.run(prog(name) + args, env=environ(**env),
                       capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=120)
    return r.returncode, r.stderr.decode()


def lines(err, kind):
    return [l for l in err.splitlines() if (": %s: " % kind) in l]


# ucspitlsd -C
ca = make_ca(TMP)
good = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
other = make_key(TMP, "other")


def dated(name, activation, expiration):
    """A certificate of good's key with the given dates."""
    tmpl = os.path.join(TMP, name + ".tmpl")
    with open(tmpl, "w") as fh:
        fh.write('cn = "%s"\nactivation_date = "%s"\nexpiration_date = "%s"\n'
                 % (name, activation, expiration))
    out = os.path.join(TMP, name + ".pem")
    subprocess.run(["certtool", "--generate-self-signed", "--load-privkey",
                    good.key, "--template", tmpl, "--outfile", out],
                   capture_output=True, check=True, timeout=120)
    return out


expired = dated("expired", "2020-01-01 00:00:00", "2021-01-01 00:00:00")
future = dated("future", "2099-01-01 00:00:00", "2100-01-01 00:00:00")
soon = make_cert(TMP, "soon", ca, dns=["soon.example.org"], days=5)
jail = os.path.join(TMP, "jail")
os.makedirs(jail)
os.chmod(jail, 0o755)
ok_env = dict(CERTFILE=good.cert, KEYFILE=good.key, TLS_UID="65534",
              TLS_GID="65534", TLS_CHROOT=jail)
code, err = run("ucspitlsd", ["-C"], **ok_env)
is_((code, lines(err, "error"), lines(err, "warning")), (0, [], []),
    "ucspitlsd -C, good settings: exit 0, nothing to say")
like(err, r"ucspitlsd: info: 0 errors, 0 warnings: it would serve",
     "  and says it would serve")

cases = [
    ("a key that is not the certificate's", dict(KEYFILE=other),
     "error", r"unable to use KEYFILE \S+other\.key with CERTFILE"),
    ("a missing certificate", dict(CERTFILE=good.cert + ".gone"),
     "error", r"unable to read CERTFILE \S+\.gone: No such file"),
    ("an expired certificate", dict(CERTFILE=expired),
     "error", r"CERTFILE \S+expired\.pem: certificate 1 of the chain "
     r"\(CN=expired\) expired on 2021-01-01 00:00 UTC"),
    ("a certificate not yet valid", dict(CERTFILE=future),
     "error", r"certificate 1 of the chain \(CN=future\) is not valid before "
     r"2099-01-01"),
    ("a certificate expiring within 14 days",
     dict(CERTFILE=soon.cert, KEYFILE=soon.key),
     "warning", r"CERTFILE \S+soon\.pem: certificate 1 of the chain "
     r"\(\S*CN=soon\S*\) expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC"),
    ("a bad SNI pair", {"CERTFILE:x.example.org": good.cert,
                        "KEYFILE:x.example.org": other},
     "error", r"unable to use KEYFILE:x\.example\.org \S+other\.key with "
     r"CERTFILE:x\.example\.org"),
    ("a CAFILE that is not one", dict(CAFILE=other),
     "error", r"unable to parse CAFILE \S+other\.key"),
    ("a bad priority string", dict(CIPHERS="NORMAL:+NOPE"),
     "error", r"unable to parse CIPHERS at \"\+NOPE\""),
    ("a TLS_UID no user has", dict(TLS_UID="4000000000"),
     "warning", r"TLS_UID 4000000000: no user has this uid"),
    ("a TLS_GID no group has", dict(TLS_GID="4000000000"),
     "warning", r"TLS_GID 4000000000: no group has this gid"),
    ("no TLS_UID", dict(TLS_UID="", TLS_GID=""),
     "warning", r"TLS_UID and TLS_GID are not set: the TLS engine would keep "
     r"root's ids"),
    ("a TLS_CHROOT that is not a directory", dict(TLS_CHROOT=good.cert),
     "error", r"unable to use TLS_CHROOT \S+mail\.pem: not a directory"),
]
for name, change, kind, message in cases:
    env = dict(ok_env)
    env.update(change)
    code, err = run("ucspitlsd", ["-C"], **env)
    is_(code, 100 if kind == "error" else 0,
        "ucspitlsd -C, %s: exit %d" % (name, 100 if kind == "error" else 0))
    found = lines(err, kind)
    ok(len(found) == 1 and re.search(message, found[0]),
       "  one %s line: %s" % (kind, message))
    if len(found) != 1:
        diag(err)
env = dict(ok_env, KEYFILE=other, CAFILE=other, CIPHERS="NORMAL:+NOPE")
code, err = run("ucspitlsd", ["-C"], **env)
is_((code, len(lines(err, "error"))), (100, 3),
    "ucspitlsd -C, three problems at once: all three reported")
is_(run("ucspitlsd", ["-C", "prog"], **ok_env)[0], 100,
    "ucspitlsd -C with a prog: usage, 100")

# authup -C
ctl = controldir("ctl", me="mx.example.org\n", smtpcapabilities="",
                 pop3capabilities="")
code, err = run("authup", ["-C", "smtp", "checkpassword-cdb", "checknotroot",
                           "true"], CONTROLDIR=ctl)
is_((code, lines(err, "error")), (0, []), "authup -C smtp, good: exit 0")
like(err, r"authup: info: smtp: 0 errors: it would serve", "  says so")
for name, ctldir, args, env, message in (
        ("no capabilities file", controldir("c1", me="mx\n"), ["pop3"], {},
         r"\S+/pop3capabilities does not exist"),
        ("no greeting", controldir("c2", smtpcapabilities=""), ["smtp"], {},
         r"neither \S+/smtpgreeting nor \S+/me exists"),
        ("a capability line with a control character",
         controldir("c3", me="mx\n", smtpcapabilities="SIZE\x01\n"),
         ["smtp"], {}, r"smtpcapabilities:1: a capability line must be "
         r"printable"),
        ("a checkpassword that cannot be run", ctl,
         ["smtp", "no-such-checkpassword"], {},
         r"unable to run no-such-checkpassword: not found in PATH"),
        ("a bad AUTHUP_TIMEOUT", ctl, ["smtp"], dict(AUTHUP_TIMEOUT="0"),
         r"AUTHUP_TIMEOUT=0 is not a number of seconds")):
    code, err = run("authup", ["-C"] + args, CONTROLDIR=ctldir, **env)
    is_(code, 100, "authup -C, %s: exit 100" % name)
    found = lines(err, "error")
    ok(len(found) == 1 and re.search(message, found[0]),
       "  one error line: %s" % message)
    if len(found) != 1:
        diag(err)
code, err = run("authup", ["-C", "smtp", "nope"],
                CONTROLDIR=controldir("c4"), AUTHUP_PAUSE="x")
is_((code, len(lines(err, "error"))), (100, 4),
    "authup -C, four problems at once: all four reported")

# checkpassword-cdb -C
pw = controldir("pw")
r = subprocess.run(prog("cdbpasswd") + ["add", "alice", "1000", "1000",
                                        "/home/alice"], input=b"pw\n",
                   env=environ(CONTROLDIR=pw), capture_output=True,
                   timeout=120)
is_(r.returncode, 0, "a password cdb made")
code, err = run("checkpassword-cdb", ["-C"], CONTROLDIR=pw)
is_((code, lines(err, "error")), (0, []), "checkpassword-cdb -C, good: exit 0")
cdb = os.path.join(pw, "passwd.cdb")
os.chmod(cdb, 0o644)
code, err = run("checkpassword-cdb", ["-C"], CONTROLDIR=pw)
is_(code, 100, "a cdb others may read: exit 100")
like(err, r"error: \S+passwd\.cdb may be read by others than root \(owner 0, "
     r"mode 0644\): chown root", "  says so, and what to do")
os.chmod(cdb, 0o600)
with open(os.path.join(pw, "passwd")) as fh:
    alice = fh.read().splitlines()[0]  # alice:HASH:1000:1000:/home/alice
records = [(":format", "cdbpasswd 1"),
           ("bob", "bob:*nohash*:1000:1000:/home/bob"),
           ("carol", "dave" + alice[len("alice"):])]
with open(cdb + ".in", "w") as fh:
    for k, v in records:  # tinycdb's cdb -c input: +klen,dlen:key->data
        fh.write("+%d,%d:%s->%s\n" % (len(k), len(v), k, v))
    fh.write("\n")
subprocess.run(["cdb", "-c", "-p", "0600", cdb, cdb + ".in"], check=True,
               timeout=60)
code, err = run("checkpassword-cdb", ["-C"], CONTROLDIR=pw)
is_(code, 100, "a cdb with bad records: exit 100")
found = lines(err, "error")
ok(any(re.search(r"the record of bob: ", l) for l in found),
   "  a record that does not parse, named")
ok(any("the record under carol names another user" in l for l in found),
   "  a record under another name")
ok(any("no usable dummy hash" in l for l in found), "  no dummy hash")
code, err = run("checkpassword-cdb", ["-C"], CONTROLDIR=controldir("none"))
is_(code, 100, "no cdb: exit 100")
like(err, r"\S+passwd\.cdb does not exist: build it with cdbpasswd make",
     "  says what to do")
done()
