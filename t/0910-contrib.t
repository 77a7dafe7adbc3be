#!/usr/bin/env python3
"""contrib/'s run scripts and units, run for real on 127.0.0.1: the five
services (SMTP with STARTTLS, submission with TLS and AUTH required,
submission over implicit TLS, POP3 with STLS, POP3 over implicit TLS)
under daemontools' supervise with multilog, under s6-supervise with
s6-log, and as the systemd units start them. Under s6 the implicit TLS
ports run ucspitlsd-warm with the warm engine daemon, contrib's
ucspitlsd-engine, switched as INSTALL says; without the daemon they end
each connection with a line saying why.

The supervisors run on copies of the service directories, as svscan and
s6-svscan would run them (a pipe from each service to its log service),
with env/ files that say what this host has in place of a mail host's:
high ports, the test certificate, numeric ids no account uses for the TLS
engine and the mail user, the account nobody for qmaild and qmaill, and,
as the server, msmtpd --inetd (delivering with t/helpers/deliver through
qmail-qfilter-addtlsheader) or t/helpers/pop3d. There is no systemd as
PID 1 here: each unit's commands are run as systemd runs them, with the
unit's Environment= and EnvironmentFile= and those of a drop-in such as
`systemctl edit` writes, variables expanded as systemd expands them, in
the directory systemd gives a service without WorkingDirectory= (/), and
stopped as systemd stops a unit (SIGTERM to each of its processes).
The logs they write are read by contrib/fail2ban's filter (fail2ban-regex)
and its jail (fail2ban-client -t)."""

import atexit
import os
import pwd
import re
import shlex
import shutil
import signal
import smtplib
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import context, proc_status  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

if VALGRIND:
    skip_all("the run scripts start the programs by name through PATH: "
             "valgrind cannot be put in front of them")
if os.geteuid() != 0:
    skip_all("needs root: tcpserver runs as root so that the TLS engine "
             "can read a root-only key and checkpassword-cdb switch users")
for tool in ("supervise", "svc", "svstat", "multilog", "envdir",
             "setuidgid", "s6-supervise", "s6-svc", "s6-svstat", "s6-log",
             "s6-envdir", "s6-setuidgid", "tcpserver", "tcprules", "swaks",
             "curl", "msmtpd", "/usr/lib/dovecot/pop3", "fail2ban-regex",
             "fail2ban-client"):
    if not shutil.which(tool):
        skip_all("%s is not installed (tools/install-deps installs it)"
                 % tool)


def timed_out(signum, frame):
    diag("the test ran out of time")
    sys.exit(1)


signal.signal(signal.SIGALRM, timed_out)
signal.alarm(300)

CONTRIB = os.path.join(TOP, "contrib")
SERVICES = ("smtp", "submission", "smtps", "pop3", "pop3s")
USER_ID = 64010   # the mail user alice, in passwd.cdb only
TLS_ID = 64011    # the TLS engine: no account
STANDIN = "nobody"  # in place of qmaild and qmaill
STANDIN_ID = pwd.getpwnam(STANDIN).pw_uid
PASSWORD = "alice's password"
# What svscan and systemd give the programs they start.
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TEST_PATH = ":".join([os.path.join(BUILD, "bin"),
                      os.path.join(BUILD, "t", "bin"), HELPERS, HOST_PATH])

os.chmod(TMP, 0o711)
ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=["localhost"], ips=["127.0.0.1"])
os.chmod(cert.key, 0o600)

with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    ctl = controldir(me="mx.example.org\n", fixsmtpio=fh.read(),
                     pop3capabilities="TOP\nUIDL\n")
os.chmod(ctl, 0o755)


def run(argv, **kw):
    kw.setdefault("env", environ(CONTROLDIR=ctl))
    r = subprocess.run(argv, capture_output=True, timeout=60, **kw)
    if r.returncode:
        diag("%s: exit %d\n%s" % (argv[0], r.returncode,
                                  (r.stdout + r.stderr).decode()))
    return r.returncode


is_(run(["fixsmtpio-rules", "compile", os.path.join(ctl, "fixsmtpio")]), 0,
    "the example rules compile")
is_(run(["cdbpasswd", "add", "alice", str(USER_ID), str(USER_ID),
         os.path.join(TMP, "alice")], input=PASSWORD.encode() + b"\n"), 0,
    "cdbpasswd add alice")


def owned_maildir(path, owner):
    for sub in ("", "/tmp", "/new", "/cur"):
        os.makedirs(path + sub, exist_ok=True)
        os.chown(path + sub, owner, owner)
    return path


home = os.path.join(TMP, "alice")
os.makedirs(home, mode=0o700)
os.chown(home, USER_ID, USER_ID)
alice_md = owned_maildir(os.path.join(home, "Maildir"), USER_ID)
mx_md = owned_maildir(os.path.join(TMP, "mx", "Maildir"), STANDIN_ID)

# In place of qmail-smtpd: msmtpd, delivering into the Maildir it is given.
smtpd = os.path.join(TMP, "smtpd")
with open(smtpd, "w") as fh:
    fh.write('#!/bin/sh\nexec msmtpd --inetd "--command=deliver --filter '
             'qmail-qfilter-addtlsheader $1"\n')
os.chmod(smtpd, 0o755)
# The server's own capabilities, from its EHLO, as INSTALL builds them.
is_(run(["sh", "-c", "printf 'EHLO x\\r\\nQUIT\\r\\n' | %s %s 2>/dev/null | "
         "sed -n 's/^250[- ]//p' | tr -d '\\r' | sed 1d >%s/smtpcapabilities"
         % (smtpd, mx_md, ctl)]), 0,
    "control/smtpcapabilities from the server's own EHLO")

RULES = {"smtp": '127.:allow,RELAYCLIENT=""\n:allow\n',
         "submission": ":allow\n", "pop3": ":allow\n"}
for name, text in RULES.items():
    cdb = os.path.join(TMP, "tcp.%s.cdb" % name)
    is_(run(["tcprules", cdb, cdb + ".tmp"], input=text.encode()), 0,
        "tcprules %s" % os.path.basename(cdb))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings(service):
    """What this host has in place of a mail host's, for one service."""
    kind = {"smtps": "submission", "pop3s": "pop3"}.get(service, service)
    server = {"smtp": smtpd + " " + mx_md, "submission": smtpd + " " +
              alice_md, "pop3": helper("pop3d")}[kind]
    return dict(IP="127.0.0.1", PORT=str(free_port()), CONCURRENCY="5",
                TCPRULES=os.path.join(TMP, "tcp.%s.cdb" % kind),
                SERVER=server, SERVER_USER=STANDIN, LOG_USER=STANDIN,
                CONTROLDIR=ctl, PATH=TEST_PATH, AUTHUP_STATE=STATE)


# authup's counts of failed logins. Each suite starts without any: each
# makes 5 wrong logins from 127.0.0.2, and three suites would reach the
# address's limit (10).
STATE = os.path.join(TMP, "authup-state")
TLS = dict(CERTFILE=cert.cert, KEYFILE=cert.key, TLS_UID=str(TLS_ID),
           TLS_GID=str(TLS_ID))


def procs():
    """Every process: pid -> /proc/PID/status as a dict."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_status(int(d))
            if st:
                out[int(d)] = st
    return out


def tree(roots):
    """The pids of roots and of all their descendants."""
    table = procs()
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found.add(pid)
            todo += [p for p, st in table.items()
                     if st.get("PPid") == str(pid)]
    return found


def alive(pid):
    st = proc_status(pid)
    return bool(st) and not st.get("State", "").startswith("Z")


def uid(st):
    """The uid when real, effective, saved and fs uid are one, else None."""
    ids = set(st.get("Uid", "").split())
    return int(ids.pop()) if len(ids) == 1 else None


def gone(pids, label):
    if not ok(wait_for(lambda: not any(alive(p) for p in pids)),
              "%s no process is left (%d were running)" % (label,
                                                           len(pids))):
        for p in pids:
            if alive(p):
                diag(p, proc_status(p).get("Name"))


def listening(port, timeout=15):
    """True once a socket listens on 127.0.0.1:port (read from the kernel's
    table: a connection would be a session, and logged)."""
    want = "0100007F:%04X" % port

    def listed():
        with open("/proc/net/tcp") as fh:
            return any(f[1] == want and f[3] == "0A"
                       for f in (line.split() for line in fh))
    return wait_for(listed, timeout)


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True


def files(md):
    return sorted(os.path.join(md, sub, f) for sub in ("new", "cur")
                  for f in os.listdir(os.path.join(md, sub)))


def wait_for(what, timeout=15):
    deadline = time.time() + timeout
    while not what() and time.time() < deadline:
        time.sleep(0.1)
    return what()


def client(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=90)
    if r.returncode:
        diag(" ".join(argv) + ": exit %d\n" % r.returncode + r.stdout +
             r.stderr)
    return r


def swaks(port, *args):
    return client(["swaks", "--server", "127.0.0.1:%d" % port,
                   "--timeout", "30", "--tls-verify", "--tls-ca-path",
                   ca.cert] + list(args))


def serving(roots, port):
    """The tcpserver of roots' trees that listens on port (another
    service's session may still be ending beside it)."""
    for pid in tree(roots):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"tcpserver") and \
                str(port).encode() in argv:
            return [pid]
    return roots


def session(roots, label, want, port):
    """Checks the uid of each process of one session, from the tcpserver
    on port down: want maps a program name to the uid it must run as."""
    got = {}
    for pid in tree(serving(roots, port)):
        st = proc_status(pid)
        if st.get("PPid") and st.get("Name") != "tcpserver":
            got.setdefault(st.get("Name"), set()).add(uid(st))
    for name, id_ in want.items():
        is_(got.get(name), {id_}, "%s: %s runs as uid %d" % (label, name,
                                                            id_))


def server_env(roots, name):
    for pid in tree(roots):
        if proc_status(pid).get("Name") == name:
            with open("/proc/%d/environ" % pid, "rb") as fh:
                return dict(v.split(b"=", 1) for v in
                            fh.read().split(b"\0") if b"=" in v)
    return {}


def exercise(label, ports, roots):
    """Every service once with a real client: the messages delivered, the
    POP3 server serving them, the privileges of the processes."""
    before_mx, before_alice = len(files(mx_md)), len(files(alice_md))
    ctx = context(ca.cert)

    # 25: STARTTLS, then the session's processes and their users.
    s = smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=30)
    s.starttls(context=ctx)
    s.ehlo("client.example")
    session(roots, label + " smtp",
            {"ucspitlsd": TLS_ID, "fixsmtpio": STANDIN_ID,
             "msmtpd": STANDIN_ID}, ports["smtp"])
    s.quit()
    r = swaks(ports["smtp"], "--tls", "--from", "sender@example.net",
              "--to", "alice@mx.example.org", "--header",
              "Subject: %s over STARTTLS" % label)
    is_(r.returncode, 0, "%s smtp: swaks --tls delivers" % label)
    got = files(mx_md)
    ok(len(got) == before_mx + 1 and re.search(
        r"^Received: \(fixsmtpio TLSv1\.[23] cipher ",
        open(got[-1]).read(), re.M), "%s smtp: the message arrived with "
       "its TLS Received header" % label)
    ok(got and os.stat(got[-1]).st_uid == STANDIN_ID,
       "%s smtp: delivered by the server as SERVER_USER" % label)

    # 587: no AUTH before STARTTLS; after it, the user's session.
    c = SMTP(ports["submission"])
    c.text()
    c.cmd("EHLO client.example")
    like(c.cmd("AUTH PLAIN AGFsaWNlAHg="), r"^530 5\.7\.0 Must issue a "
         "STARTTLS", "%s submission: no AUTH in plaintext" % label)
    c.close()
    s = smtplib.SMTP("127.0.0.1", ports["submission"], timeout=30)
    s.starttls(context=ctx)
    s.login("alice", PASSWORD)
    session(roots, label + " submission",
            {"ucspitlsd": TLS_ID, "fixsmtpio": USER_ID, "msmtpd": USER_ID},
            ports["submission"])
    env = server_env(serving(roots, ports["submission"]), "msmtpd")
    ok(env.get(b"RELAYCLIENT") == b"" and env.get(b"AUTHUP_USER") ==
       b"alice" and b"SSL_PROTOCOL" in env and not
       {b"CERTFILE", b"KEYFILE", b"TLS_UID"} & set(env),
       "%s submission: the server has RELAYCLIENT, AUTHUP_USER and SSL_*, "
       "no key path" % label)
    s.quit()
    auth = ["--auth", "PLAIN", "--auth-user", "alice", "--auth-password",
            PASSWORD, "--from", "alice@mx.example.org", "--to",
            "bob@example.net"]
    r = swaks(ports["submission"], "--tls", "--header",
              "Subject: %s submission" % label, *auth)
    is_(r.returncode, 0, "%s submission: swaks --tls --auth" % label)
    # 465: implicit TLS.
    r = swaks(ports["smtps"], "--tls-on-connect", "--header",
              "Subject: %s implicit TLS" % label, *auth)
    is_(r.returncode, 0, "%s smtps: swaks --tls-on-connect --auth" % label)
    got = files(alice_md)
    ok(len(got) == before_alice + 2 and all(re.search(
        r"^Received: \(authup user alice, TLSv1\.[23] cipher ",
        open(f).read(), re.M) for f in got[-2:]),
       "%s: both submissions arrived with authup's TLS Received header"
       % label)
    ok(got and all(os.stat(f).st_uid == USER_ID for f in got[-2:]),
       "%s: delivered by the server as the user" % label)

    # 110: no password in plaintext; STLS.
    c = SMTP(ports["pop3"])
    like(c.line(), r"^\+OK", "%s pop3: greeting" % label)
    c.send("USER alice\r\n")
    like(c.line(), r"^-ERR Must issue a STLS command first",
         "%s pop3: no USER before STLS" % label)
    c.close()
    r = client(["curl", "-sS", "--max-time", "30", "--ssl-reqd", "--cacert",
                ca.cert, "--user", "alice:" + PASSWORD,
                "pop3://127.0.0.1:%d/" % ports["pop3"]])
    is_(r.returncode, 0, "%s pop3: curl --ssl-reqd (STLS) lists" % label)
    is_(len(r.stdout.splitlines()), len(got),
        "%s pop3: one line per message" % label)
    # 995: implicit TLS, every message.
    r = client(["curl", "-sS", "--max-time", "30", "--cacert", ca.cert,
                "--user", "alice:" + PASSWORD,
                "pop3s://127.0.0.1:%d/[1-%d]" % (ports["pop3s"], len(got))])
    is_(r.returncode, 0, "%s pop3s: curl pop3s:// fetches" % label)
    like(r.stdout, r"Subject: %s implicit TLS" % label,
         "%s pop3s: with the message last submitted" % label)

    # A wrong password on each port with AUTH, from 127.0.0.2 (the right
    # ones came from 127.0.0.1), for the fail2ban filter.
    def wrong(service, how, user):
        return subprocess.run(
            ["swaks", "--server", "127.0.0.1:%d" % ports[service],
             "--timeout", "30", "--tls-verify", "--tls-ca-path", ca.cert,
             how, "--quit-after", "AUTH", "--auth", "PLAIN", "--auth-user",
             user, "--auth-password", "wrong", "--local-interface",
             "127.0.0.2"], capture_output=True, text=True, timeout=90).stdout
    for service, how in (("submission", "--tls"),
                         ("smtps", "--tls-on-connect")):
        like(wrong(service, how, "alice"), r"<~\* 535 ", "%s %s: a wrong "
             "password from 127.0.0.2: 535" % (label, service))
    # A name that reads like the end of a log line cannot pass for another
    # address: the filter still finds 127.0.0.2.
    like(wrong("submission", "--tls", "mallory from 192.0.2.9: rejected"),
         r"<~\* 535 ", "%s submission: a hostile name: 535" % label)
    for service, url in (("pop3", "pop3"), ("pop3s", "pop3s")):
        r = subprocess.run(
            ["curl", "-sS", "--max-time", "30", "--ssl-reqd", "--cacert",
             ca.cert, "--interface", "127.0.0.2", "--user", "alice:wrong",
             "%s://127.0.0.1:%d/" % (url, ports[service])],
            capture_output=True, text=True, timeout=90)
        is_(r.returncode, 67, "%s %s: a wrong password from 127.0.0.2: "
            "curl says login denied" % (label, service))


ACCEPTED = (r"authup: info: [0-9a-f]{16}: pid \d+: %s: user alice from 127\.0\.0\.1: "
            r"accepted \(session exit 0\)")
REJECTED = (r"authup: info: [0-9a-f]{16}: pid \d+: %s: user alice from "
            r"127\.0\.0\.2: rejected")
LOG_LINES = {
    "smtp": [r"tcpserver: status: 0/5", r"tcpserver: end \d+ status 0"],
    "submission": [ACCEPTED % "smtp", REJECTED % "smtp"],
    "smtps": [ACCEPTED % "smtp", REJECTED % "smtp"],
    "pop3": [ACCEPTED % "pop3", REJECTED % "pop3"],
    "pop3s": [ACCEPTED % "pop3", REJECTED % "pop3"],
}
FILTER = os.path.join(CONTRIB, "fail2ban", "filter.d", "authup.conf")


def fail2ban(label, path, syslog=False):
    """contrib/fail2ban's filter, run by fail2ban-regex on a log the
    services wrote: every rejected login matches, with the client's
    address (127.0.0.2), and no other line does. With syslog, each line
    first gets the prefix syslog and fail2ban's journal reader give it."""
    with open(path, errors="replace") as fh:
        lines = fh.read().splitlines()
    if syslog:
        lines = ["Dec  3 03:30:52 mx tcpserver[812]: " + line
                 for line in lines]
        path = path + ".syslog"
        with open(path, "w") as fh:
            fh.write("".join(line + "\n" for line in lines))
    rejected = [line for line in lines
                if re.search(r"authup: info: .*: rejected$", line)]

    def regex(out):
        r = subprocess.run(["fail2ban-regex", "-o", out, path, FILTER],
                           capture_output=True, text=True, timeout=90)
        if r.returncode:
            diag(r.stdout + r.stderr)
        return r.stdout.splitlines()
    is_(regex("msg"), rejected, "%s: fail2ban's filter matches the %d "
        "rejected logins and no other line" % (label, len(rejected)))
    ok(len(rejected) >= 1 and regex("ip") == ["127.0.0.2"] * len(rejected),
       "%s: each with the client's address" % label)


def jail(logs):
    """contrib/fail2ban's jail and filter in a copy of this host's fail2ban
    configuration (its own jails off, the log path pointed at logs): the
    configuration test passes."""
    conf = os.path.join(TMP, "fail2ban")
    shutil.copytree("/etc/fail2ban", conf)
    for name in os.listdir(os.path.join(conf, "jail.d")):
        os.unlink(os.path.join(conf, "jail.d", name))
    for part in ("filter.d", "jail.d"):
        shutil.copy(os.path.join(CONTRIB, "fail2ban", part, "authup.conf"),
                    os.path.join(conf, part))
    with open(os.path.join(conf, "jail.d", "authup.local"), "w") as fh:
        fh.write("[authup]\nlogpath = %s\n" % logs)
    r = subprocess.run(["fail2ban-client", "-c", conf, "-t"],
                       capture_output=True, text=True, timeout=90)
    like(r.stdout + r.stderr, r"OK: configuration test is successful",
         "contrib/fail2ban: the jail and its filter load")
    r = subprocess.run(["fail2ban-client", "-c", conf, "-d"],
                       capture_output=True, text=True, timeout=90)
    like(r.stdout, r"\['set', 'authup', 'addlogpath', '%s/submission/log"
         r"/main/current'" % re.escape(os.path.dirname(os.path.dirname(
             os.path.dirname(os.path.dirname(logs))))),
         "contrib/fail2ban: the jail reads the services' logs")


def check_log(label, path, want):
    """The log has every line of want, and no failure."""
    def text():
        try:
            with open(path, errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""
    found = ok(wait_for(lambda: all(re.search(p, text()) for p in want)),
               "%s: the log has the sessions and their clean ends" % label)
    like(text(), r"ucspitlsd: info: 0 errors, \d+ warnings?: it would serve",
         "%s: the check at the start ran, and found nothing wrong" % label)
    # The TLS engine's ids here belong to no account: the check says so.
    # POP3 allows one try: a wrong password ends authup with exit 1.
    rejected = re.findall(r"pid (\d+): pop3: .*: rejected$", text(), re.M)
    bad = [line for line in text().splitlines()
           if re.search(r"fatal|warning|status [1-9]", line) and
           not re.search(r"warning: TLS_[UG]ID %d: no (user|group) has|"
                         r"info: 0 errors|tcpserver: end (%s) status 256$"
                         % (TLS_ID, "|".join(rejected) or "-"), line)]
    if not is_(bad, [], "%s: no failure logged" % label) or not found:
        diag(text()[-3000:])


# Every process the test starts under a supervisor is stopped by pid, even
# when the test fails half way.
running = set()


def kill_running():
    for pid in tree(running):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


atexit.register(kill_running)


def check_scripts(suite):
    """The run scripts, and the scripts they give sh, are shellcheck-clean
    (but for SC2086 on $SERVER: split into words on purpose, no globbing
    with sh -f)."""
    if not shutil.which("shellcheck"):
        ok(True, "# SKIP shellcheck is not installed")
        return
    scripts = [os.path.join(CONTRIB, suite, s, r) for s in SERVICES
               for r in ("run", "log/run")]
    r = subprocess.run(["shellcheck", "-s", "sh"] + scripts,
                       capture_output=True, text=True, timeout=60)
    out = r.stdout
    for path in scripts:
        with open(path) as fh:
            m = re.search(r"sh -f?uc '(.*)'", fh.read(), re.S)
        if not m:
            out += path + ": no script for sh\n"
            continue
        r = subprocess.run(["shellcheck", "-s", "sh", "-e", "SC2086", "-"],
                           input=m.group(1), capture_output=True,
                           text=True, timeout=60)
        out += r.stdout and path + ":" + r.stdout
    is_(out, "", "%s: shellcheck is clean" % suite)


def supervise(sup, d, env, errors):
    """A service and its log service, as svscan runs them: the service's
    output is its log service's input."""
    r, w = os.pipe()
    log = spawn([sup, os.path.join(d, "log")], env=env, stdin=r,
                stdout=errors, stderr=errors)
    main = spawn([sup, d], env=env, stdout=w, stderr=errors)
    os.close(r)
    os.close(w)
    running.update((main.pid, log.pid))
    return main, log


def warm_engine(suite, top, sup, env, errors):
    """contrib/SUITE's ucspitlsd-engine, and the implicit TLS ports
    switched to it as INSTALL says (env/TLSENGINE, ucspitlsd-warm in
    place of ucspitlsd in run)."""
    d = os.path.join(top, "ucspitlsd-engine")
    sock = os.path.join(TMP, suite + "-engine", "socket")
    values = dict(TLS, SOCKET=sock, ENGINES="10", LOG_USER=STANDIN,
                  PATH=TEST_PATH)
    for name, value in values.items():
        with open(os.path.join(d, "env", name), "w") as fh:
            fh.write(value + "\n")
    os.mkdir(os.path.join(d, "log", "main"))
    os.chown(os.path.join(d, "log", "main"), STANDIN_ID, STANDIN_ID)
    sups = supervise(sup, d, env, errors)
    ok(wait_for(lambda: os.path.exists(sock)) and
       stat.S_IMODE(os.stat(sock).st_mode) == 0o600,
       "%s ucspitlsd-engine: its socket is there, mode 0600" % suite)
    for service in ("smtps", "pop3s"):
        with open(os.path.join(top, service, "env", "TLSENGINE"), "w") as fh:
            fh.write(sock + "\n")
        # INSTALL's command, as it is written there.
        run = os.path.join(top, service, "run")
        subprocess.run(["sed", "-i", "s/ucspitlsd -i /ucspitlsd-warm -i /",
                        run], check=True, timeout=30)
        with open(run) as fh:
            text = fh.read()
        ok("ucspitlsd-warm -i " in text and "ucspitlsd -i " not in text,
           "%s %s: INSTALL's sed puts ucspitlsd-warm in run" % (suite,
                                                               service))
    return d, sups, sock


def supervised(suite):
    """contrib/SUITE's five services under its supervisor, for real; under
    s6, the implicit TLS ports through the warm engine daemon."""
    sup, svc, svstat = {"daemontools": ("supervise", "svc", "svstat"),
                        "s6": ("s6-supervise", "s6-svc", "s6-svstat")}[suite]
    check_scripts(suite)
    shutil.rmtree(STATE, ignore_errors=True)
    top = os.path.join(TMP, suite)
    shutil.copytree(os.path.join(CONTRIB, suite), top, symlinks=True)
    env = {"PATH": HOST_PATH}
    errors = open(os.path.join(TMP, suite + ".err"), "wb")

    # Without the TLS engine's ids the run script refuses to start.
    d = os.path.join(top, "smtp")
    r = subprocess.run(["./run"], cwd=d, env=env, capture_output=True,
                       text=True, timeout=30)
    ok(r.returncode != 0 and "TLS_UID" in r.stdout,
       "%s: without env/TLS_UID, run refuses to start" % suite)

    engine = None
    if suite == "s6":
        engine = warm_engine(suite, top, sup, env, errors)
    ports, sups = {}, {}
    for service in SERVICES:
        d = os.path.join(top, service)
        values = dict(settings(service), **TLS)
        for name, value in values.items():
            with open(os.path.join(d, "env", name), "w") as fh:
                fh.write(value + "\n")
        ports[service] = int(values["PORT"])
        os.mkdir(os.path.join(d, "log", "main"))
        os.chown(os.path.join(d, "log", "main"), STANDIN_ID, STANDIN_ID)
        sups[service] = supervise(sup, d, env, errors)
    ok(all(listening(p) for p in ports.values()),
       "%s: the five services listen" % suite)
    for service in SERVICES:
        out = subprocess.run([svstat, os.path.join(top, service)],
                             capture_output=True, text=True, timeout=30)
        like(out.stdout, r"up \(pid \d+\)", "%s %s: %s says up"
             % (suite, service, svstat))

    exercise(suite, ports, [m.pid for m, _ in sups.values()])
    for service in SERVICES:
        path = os.path.join(top, service, "log", "main", "current")
        check_log("%s %s" % (suite, service), path, LOG_LINES[service])
        if service != "smtp":
            fail2ban("%s %s" % (suite, service), path)
        ok(os.path.exists(path) and os.stat(path).st_uid == STANDIN_ID,
           "%s %s: the log service wrote as LOG_USER" % (suite, service))

    if engine:
        # Without the daemon, implicit TLS ends with a line saying why.
        d, (main, log), sock = engine
        path = os.path.join(top, "smtps", "log", "main", "current")
        mark = os.path.getsize(path) if os.path.exists(path) else 0
        subprocess.run([svc, "-d", d], timeout=30)
        ok(wait_for(lambda: not os.path.exists(sock)),
           "%s ucspitlsd-engine: %s -d stops it, and its socket goes"
           % (suite, svc))
        r = subprocess.run(["swaks", "--server", "127.0.0.1:%d"
                            % ports["smtps"], "--timeout", "30",
                            "--tls-on-connect", "--quit-after", "CONNECT"],
                           capture_output=True, text=True, timeout=90)
        ok(r.returncode != 0, "%s smtps: without the daemon, no session"
           % suite)
        ok(wait_for(lambda: "unable to reach the TLS engine daemon at " in
                    open(path).read()[mark:]),
           "%s smtps: and its log says why" % suite)
        sups["ucspitlsd-engine"] = (main, log)
    pids = tree(running)
    for service in list(SERVICES) + (["ucspitlsd-engine"] if engine
                                     else []):
        main, log = sups[service]
        d = os.path.join(top, service)
        subprocess.run([svc, "-dx", d], timeout=30)
        main.wait(15)
        subprocess.run([svc, "-dx", os.path.join(d, "log")], timeout=30)
        log.wait(15)
        running.difference_update((main.pid, log.pid))
    gone(pids, "%s: after %s -dx" % (suite, svc))
    ok(all(refused(p) for p in ports.values()),
       "%s: nothing listens any more" % suite)
    errors.close()
    with open(os.path.join(TMP, suite + ".err")) as fh:
        is_(fh.read(), "", "%s: the supervisors said nothing" % suite)


# systemd, as far as these units need it: [Service] settings of a unit and
# its drop-ins (an empty assignment empties a list), Environment= and
# EnvironmentFile=, ${NAME} as one word, $NAME as a word split at spaces.
def unit(*paths):
    out = {}
    for path in paths:
        section = None
        with open(path) as fh:
            text = fh.read().replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            key, _, value = line.partition("=")
            if section != "[Service]":
                continue
            if value == "":
                out[key] = []
            else:
                out.setdefault(key, []).append(value)
    return out


def unit_environment(u):
    env = {"PATH": HOST_PATH}
    for value in u.get("Environment", []):
        for assignment in shlex.split(value):
            name, _, v = assignment.partition("=")
            env[name] = v
    for path in u.get("EnvironmentFile", []):
        if path.startswith("-") and not os.path.exists(path[1:]):
            continue
        with open(path.lstrip("-")) as fh:
            for line in fh:
                line = line.strip()
                if line and line[0] not in "#;":
                    name, _, v = line.partition("=")
                    env[name.strip()] = v.strip().strip('"')
    return env


def expand(command, env):
    argv = []
    for word in shlex.split(command):
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
            argv += env.get(word[1:], "").split()
        else:
            argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                               lambda m: env.get(m.group(1), ""), word))
    argv[0] = shutil.which(argv[0], path=HOST_PATH) or argv[0]
    return argv


def systemd():
    shutil.rmtree(STATE, ignore_errors=True)
    top = os.path.join(TMP, "systemd")
    os.mkdir(top)
    journal = os.path.join(top, "journal")
    # /etc/default/ucspitlsd, filled in from the template.
    defaults = os.path.join(top, "ucspitlsd")
    with open(os.path.join(CONTRIB, "systemd", "ucspitlsd.default")) as fh:
        text = fh.read()
    for name, value in TLS.items():
        text = re.sub(r"^#?%s=.*$" % name, "%s=%s" % (name, value), text,
                      flags=re.M)
    with open(defaults, "w") as fh:
        fh.write(text)

    def start(service, tls_file):
        values = settings(service)
        dropin = os.path.join(top, service + ".conf")
        with open(dropin, "w") as fh:
            fh.write("[Service]\nEnvironmentFile=\nEnvironmentFile=%s\n"
                     % tls_file)
            for name, value in values.items():
                fh.write('Environment="%s=%s"\n' % (name, value))
        u = unit(os.path.join(CONTRIB, "systemd", service + ".service"),
                 dropin)
        env = unit_environment(u)
        cwd = u.get("WorkingDirectory", ["/"])[-1]
        for pre in u.get("ExecStartPre", []):
            # "-": a failure does not stop the unit (systemd.service(5)).
            ignore = pre.startswith("-")
            with open(journal, "ab") as out:
                r = subprocess.run(expand(pre[ignore:], env), env=env,
                                   cwd=cwd, stdout=out, stderr=out,
                                   timeout=30)
            if r.returncode and not ignore:
                return None, values
        with open(journal, "ab") as out:
            p = spawn(expand(u["ExecStart"][-1], env), env=env,
                      stdout=out, stderr=out)
        return p, values

    # Without the TLS engine's ids the unit does not start.
    empty = os.path.join(top, "empty")
    with open(os.path.join(CONTRIB, "systemd", "ucspitlsd.default")) as fh:
        with open(empty, "w") as out:
            out.write(fh.read())
    p, _ = start("smtp", empty)
    ok(p is None, "systemd: with the template unfilled, ExecStartPre "
       "refuses to start smtp.service")

    ports, units = {}, {}
    for service in SERVICES:
        p, values = start(service, defaults)
        ports[service] = int(values["PORT"])
        units[service] = p
    ok(all(units.values()) and all(listening(p) for p in ports.values()),
       "systemd: the five units' ExecStart listen")
    roots = [p.pid for p in units.values() if p]
    exercise("systemd", ports, roots)
    check_log("systemd", journal,
              sum((LOG_LINES[s] for s in SERVICES), []))
    fail2ban("systemd", journal, syslog=True)
    pids = tree(roots)
    # KillMode=control-group: SIGTERM to every process of the unit.
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for p in units.values():
        p.wait(15)
    gone(pids, "systemd: after SIGTERM")
    ok(all(refused(p) for p in ports.values()),
       "systemd: nothing listens any more")


supervised("daemontools")
jail(os.path.join(TMP, "daemontools", "*", "log", "main", "current"))
supervised("s6")
systemd()
done()
