"""The one table format of the benchmarks. Each script prints its figures
with table(); when BENCH_ROWS names a file (bench/run sets it), the rows
are also appended to it, tab-separated, so that bench/run can print every
figure of every script in one table."""

import os
import shutil
import subprocess
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table(section, rows):
    """rows: (label, measured, target) tuples, all strings; a label that
    starts with spaces is a detail of the row above."""
    width = max([len(section)] + [len(r[0]) for r in rows])
    print("%-*s  %12s  %s" % (width, section, "measured", "target"))
    for label, value, target in rows:
        print("%-*s  %12s  %s" % (width, label, value, target))
    path = os.environ.get("BENCH_ROWS")
    if path:
        with open(path, "a") as fh:
            for label, value, target in rows:
                fh.write("\t".join((section, label, value, target)) + "\n")


def mail_setup(build):
    """A directory (the caller removes it) with a control directory for
    authup and fixsmtpio (the example rules) and a checkpassword-cdb user
    "bench", password "bench password", uid 65534. Returns (directory,
    environment for the programs)."""
    tmp = tempfile.mkdtemp(prefix="bench.")
    os.chmod(tmp, 0o755)  # the server runs as the bench user
    ctl = os.path.join(tmp, "control")
    os.makedirs(ctl)
    for name, text in (("me", "bench.example\n"),
                       ("smtpcapabilities", "PIPELINING\n")):
        with open(os.path.join(ctl, name), "w") as fh:
            fh.write(text)
    shutil.copy(os.path.join(TOP, "examples", "fixsmtpio"), ctl)
    env = {"PATH": os.path.join(build, "bin") + ":" + os.environ["PATH"],
           "CONTROLDIR": ctl, "AUTHUP_PAUSE": "0"}
    subprocess.run([os.path.join(build, "bin", "cdbpasswd"), "add", "bench",
                    "65534", "65534", "/"], input=b"bench password\n",
                   env=env, check=True, capture_output=True)
    return tmp, env
