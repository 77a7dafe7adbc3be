#!/usr/bin/env python3
"""--version as the only argument: every program prints its name and the
suite's version (lib/version.h) on stdout and exits 0; every program has a
manual page, which names the same version and is clean for mandoc -T
lint."""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

with open(os.path.join(TOP, "lib", "version.h")) as fh:
    version = re.search(r'SUITE_VERSION "([^"]+)"', fh.read()).group(1)
programs = sorted(os.listdir(os.path.join(BUILD, "bin")))
ok(len(programs) >= 9, "%d programs built" % len(programs))
for name in programs:
    r = subprocess.run(prog(name) + ["--version"], capture_output=True,
                       timeout=60, env=environ())
    is_((r.returncode, r.stdout.decode(), r.stderr.decode()),
        (0, "%s %s\n" % (name, version), ""), "%s --version" % name)
for page in sorted(glob.glob(os.path.join(TOP, "man", "*.8"))):
    with open(page) as fh:
        th = fh.readline()
    name = os.path.basename(page)[:-2]
    like(th, r'^\.TH %s 8 \d{4}-\d\d-\d\d "%s %s" ' % (
        re.escape(name.upper()), re.escape(name), re.escape(version)),
        "%s(8) names version %s" % (name, version))
    r = subprocess.run(["mandoc", "-T", "lint", page], capture_output=True,
                       text=True, timeout=60)
    is_(r.stdout + r.stderr, "", "%s(8): mandoc -T lint says nothing" % name)
    ok(name in programs, "%s(8) is the page of a program" % name)
for name in programs:
    ok(os.path.exists(os.path.join(TOP, "man", name + ".8")),
       "%s has a manual page" % name)
done()
