"""Test certificates, made with GnuTLS's certtool for each test run.

    from tlsfixture import make_ca, make_cert, make_key, combined, dh_params

    ca = make_ca(d)                              # d: a directory
    srv = make_cert(d, "mail", ca, dns=["mail.example.org"])
    cli = make_cert(d, "alice", ca, client=True, email="alice@example.org")
    ec = make_cert(d, "ec", ca, kind="ecdsa", dns=["ec.example.org"])

Each returns a Cert: .cert and .key are paths of PEM files, .name the
file name stem and .cn the subject's common name. kind is "rsa" (2048
bits) or "ecdsa" (P-256). Nothing is cached between test files; every
file made lives in the directory given (the test's TMP)."""

import collections
import os
import subprocess

Cert = collections.namedtuple("Cert", "name cert key cn")

_KIND = {
    "rsa": ["--key-type=rsa", "--bits=2048"],
    "ecdsa": ["--key-type=ecdsa", "--curve=secp256r1"],
}


def _certtool(*args):
    r = subprocess.run(["certtool", "--no-text"] + list(args),
                       capture_output=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("certtool %s: %s" % (" ".join(args),
                                                r.stderr.decode()))


def _template(path, lines):
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def make_key(d, name, kind="rsa"):
    """A new private key in d/NAME.key."""
    path = os.path.join(d, name + ".key")
    _certtool("--generate-privkey", "--outfile", path, *_KIND[kind])
    return path


def make_ca(d, name="ca", cn="Test CA", kind="ecdsa", days=30):
    """A self-signed CA: d/NAME.pem and d/NAME.key."""
    key = make_key(d, name, kind)
    tmpl = _template(os.path.join(d, name + ".tmpl"), [
        'cn = "%s"' % cn, 'organization = "Test"', "serial = 1", "ca",
        "cert_signing_key", "crl_signing_key",
        "expiration_days = %d" % days])
    cert = os.path.join(d, name + ".pem")
    _certtool("--generate-self-signed", "--load-privkey", key,
              "--template", tmpl, "--outfile", cert)
    return Cert(name, cert, key, cn)


_serial = [100]


def make_cert(d, name, ca, kind="rsa", dns=(), cn=None, email=None,
              client=False, days=30, serial=None, ips=()):
    """A certificate for a server (DNS names dns, IP addresses ips), or
    with client=True for a TLS client, signed by the CA ca (a Cert):
    d/NAME.pem, d/NAME.key.
    email goes into the subject and the subjectAltName; serial is a
    number (each certificate gets a new one when it is not given)."""
    key = make_key(d, name, kind)
    cn = cn or (dns[0] if dns else name)
    _serial[0] += 1
    lines = ['cn = "%s"' % cn, 'organization = "Test"',
             "serial = %d" % (serial or _serial[0]),
             "expiration_days = %d" % days, "signing_key"]
    if kind == "rsa":
        lines.append("encryption_key")
    lines.append("tls_www_client" if client else "tls_www_server")
    lines += ['dns_name = "%s"' % n for n in dns]
    lines += ['ip_address = "%s"' % a for a in ips]
    if email:  # in the subject (emailAddress) and as a subjectAltName
        lines.append('dn_oid = "1.2.840.113549.1.9.1 %s"' % email)
        lines.append('email = "%s"' % email)
    tmpl = _template(os.path.join(d, name + ".tmpl"), lines)
    cert = os.path.join(d, name + ".pem")
    _certtool("--generate-certificate", "--load-privkey", key,
              "--load-ca-certificate", ca.cert, "--load-ca-privkey", ca.key,
              "--template", tmpl, "--outfile", cert)
    return Cert(name, cert, key, cn)


def combined(d, c, name=None):
    """One PEM file with c's certificate and then its key, as CERTFILE
    alone may name it."""
    path = os.path.join(d, (name or c.name) + "-both.pem")
    with open(path, "wb") as out:
        for part in (c.cert, c.key):
            with open(part, "rb") as fh:
                out.write(fh.read())
    return path


def dh_params(d, name="dh"):
    """The RFC 7919 2048-bit group as a PKCS #3 file: d/NAME.pem."""
    path = os.path.join(d, name + ".pem")
    _certtool("--get-dh-params", "--sec-param=medium", "--outfile", path)
    return path
