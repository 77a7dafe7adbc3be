"""The whole chain, as tools/demo runs it, for the end-to-end tests: a test
CA and certificate, a mail user in a password cdb, and under tcpserver on
127.0.0.1 or another host address (ports the kernel picks):

  smtp        ucspitlsd (STARTTLS offered) fixsmtpio msmtpd, as the user
  submission  ucspitlsd (TLS required) authup smtp checkpassword-cdb
              checknotroot fixsmtpio msmtpd
  smtps       ucspitlsd -i authup smtp ... (implicit TLS)
  pop3        ucspitlsd (STLS offered, not required as in the demo, so
              that tests can log in without it) authup pop3
              checkpassword-cdb checknotroot pop3d (dovecot's pop3,
              preauthenticated)
  pop3s       ucspitlsd -i authup pop3 ...

msmtpd delivers through qmail-qfilter-addtlsheader into the user's Maildir.
Every program of the suite runs through taplib.prog(), so under
VALGRIND=1 each one is checked. Needs root (the TLS engine and
checkpassword-cdb switch users)."""

import base64
import glob
import os
import shlex
import shutil
import smtplib
import ssl
import subprocess

from taplib import (BUILD, TMP, TOP, TCPServer, controldir, environ, helper,
                    prog)
from tlsfixture import make_ca, make_cert

USER_ID = 65534
TLS_ID = 64011
USER = "alice"
PASSWORD = "correct horse"


def b64(data):
    return base64.b64encode(data).decode()


def env_dir():
    """A directory every user may write, for the server's filter to leave
    its environment in (Chain(envdir=), dump_env())."""
    d = os.path.join(TMP, "envs")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o777)
    return d


def dump_env(envdir, command):
    """A queue filter (a shell command) that writes its environment to a
    file of its own in envdir, then runs command."""
    return "env >%s/$$.env; exec %s" % (shlex.quote(envdir), command)


def env_files(envdir):
    """The environment files in envdir, oldest first."""
    return sorted(glob.glob(os.path.join(envdir, "*.env")),
                  key=lambda f: os.stat(f).st_mtime_ns)


def read_env(path):
    """One environment file as a dict."""
    env = {}
    with open(path) as fh:
        for line in fh:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    return env


class Chain:
    def __init__(self, services=("smtp", "submission", "smtps", "pop3",
                                 "pop3s"), limit=40, env=None, name="chain",
                 host="127.0.0.1", envdir=None, front=(), like=None):
        self.host = host
        os.chmod(TMP, 0o711)
        with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
            rules = fh.read()
        # msmtpd's EHLO offers no extension: nor does authup's.
        self.ctl = controldir(name + "-control", me="mx.example.org\n",
                              fixsmtpio=rules, smtpcapabilities="",
                              pop3capabilities="TOP\nUIDL\n")
        os.chmod(self.ctl, 0o755)
        if like:
            # Another machine like that one: its certificate and key, a
            # copy of its passwd.cdb, its users' homes (as if shared).
            self.home, self.md = like.home, like.md
            self.ca, self.cert = like.ca, like.cert
            self.copy_passwd(like)
        else:
            self._make_user_and_cert(name)
        base = dict(CONTROLDIR=self.ctl, CERTFILE=self.cert.cert,
                    KEYFILE=self.cert.key, TLS_UID=str(TLS_ID),
                    TLS_GID=str(TLS_ID), AUTHUP_PAUSE="0")
        base.update(env or {})
        filt = " ".join(shlex.quote(a)
                        for a in prog("qmail-qfilter-addtlsheader"))
        if envdir:
            # The server's environment, as the queue's filter sees it: one
            # file a message.
            filt = dump_env(envdir, filt)
        msmtpd = ["msmtpd", "--inetd", "--command=%s --filter %s %s" % (
            helper("deliver"), shlex.quote(filt), self.md)]
        as_user = ["setpriv", "--reuid=%d" % USER_ID,
                   "--regid=%d" % USER_ID, "--clear-groups"]
        smtpd = prog("fixsmtpio") + msmtpd
        auth_smtp = prog("authup") + ["smtp"] + prog("checkpassword-cdb") + \
            prog("checknotroot") + smtpd
        auth_pop3 = prog("authup") + ["pop3"] + \
            prog("checkpassword-cdb") + prog("checknotroot") + [helper("pop3d")]
        # front: what runs first, before ucspitlsd (proxyup).
        tls = list(front) + prog("ucspitlsd")
        table = {
            "smtp": (tls + as_user + smtpd, dict(UCSPITLS="")),
            "submission": (tls + auth_smtp, dict(UCSPITLS="!")),
            "smtps": (tls + ["-i"] + auth_smtp, {}),
            "pop3": (tls + auth_pop3, dict(UCSPITLS="")),
            "pop3s": (tls + ["-i"] + auth_pop3, {}),
        }
        self.servers = {}
        for service in services:
            argv, extra = table[service]
            e = dict(base)
            e.update(extra)
            self.servers[service] = TCPServer(argv, env=environ(**e),
                                              limit=limit, host=host,
                                              name=name + "-" + service)

    def _make_user_and_cert(self, name):
        """The mail user in a passwd.cdb of its own, its Maildir, a test CA
        and a certificate."""
        self.home = os.path.join(TMP, name + "-home")
        self.md = os.path.join(self.home, "Maildir")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(self.md, sub))
        for d in [self.home, self.md] + [os.path.join(self.md, s)
                                         for s in ("tmp", "new", "cur")]:
            os.chown(d, USER_ID, USER_ID)
        r = subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd"), "add",
                            USER, str(USER_ID), str(USER_ID), self.home],
                           input=PASSWORD.encode() + b"\n",
                           env=environ(CONTROLDIR=self.ctl),
                           capture_output=True, timeout=120)
        if r.returncode:
            raise RuntimeError("cdbpasswd: " + r.stderr.decode())
        tlsdir = os.path.join(TMP, name + "-tls")
        os.makedirs(tlsdir)
        self.ca = make_ca(tlsdir)
        self.cert = make_cert(tlsdir, "mx", self.ca,
                              dns=["mx.example.org", "localhost"])

    def copy_passwd(self, other):
        """other's passwd.cdb, copied as INSTALL says: to a new name in the
        same directory, then renamed over the old one, so that a login
        reads the old file or the new one, never part of one."""
        tmp = os.path.join(self.ctl, "passwd.cdb.new")
        shutil.copyfile(os.path.join(other.ctl, "passwd.cdb"), tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, os.path.join(self.ctl, "passwd.cdb"))

    def port(self, name):
        return self.servers[name].port

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca.cert)
        ctx.check_hostname = False
        return ctx

    def smtp(self, name, starttls=None, login=True, timeout=120):
        """An smtplib client on service name: STARTTLS on smtp and
        submission (unless starttls=False), implicit TLS on smtps, AUTH
        with the chain's user on submission and smtps."""
        ctx = self.context()
        if name == "smtps":
            s = smtplib.SMTP_SSL(self.host, self.port(name),
                                 context=ctx, timeout=timeout)
            s.ehlo("client.example")
        else:
            s = smtplib.SMTP(self.host, self.port(name), timeout=timeout)
            s.ehlo("client.example")
            if starttls is not False:
                s.starttls(context=ctx)
                s.ehlo("client.example")
        if login and name in ("submission", "smtps"):
            s.login(USER, PASSWORD)
        return s

    def delivered(self):
        """Paths of the messages in the Maildir (new and cur)."""
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.md, sub)
            out += [os.path.join(d, f) for f in os.listdir(d)]
        return out

    def logs(self):
        return {name: srv.text() for name, srv in self.servers.items()}

    def stop(self):
        for srv in self.servers.values():
            srv.stop()
