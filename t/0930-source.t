#!/usr/bin/env python3
"""The source keeps its own rules: every C file as the project's
.clang-format lays it out, every shell script (tools/, contrib/, the tests
and their helpers, CI) clean for shellcheck."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

files = subprocess.run(["git", "ls-files"], cwd=TOP, capture_output=True,
                       text=True).stdout.split()
if not files:
    skip_all("not a git checkout")
c_files = [f for f in files if f.endswith((".c", ".h"))]
unformatted = []
for f in c_files:
    r = subprocess.run(["clang-format", "--dry-run", "--Werror", f],
                       cwd=TOP, capture_output=True, timeout=60)
    if r.returncode:
        unformatted.append(f)
is_(unformatted, [], "%d C files as .clang-format lays them out"
    % len(c_files))


def shell(path):
    with open(os.path.join(TOP, path), "rb") as fh:
        first = fh.readline()
    return first.startswith((b"#!/bin/sh", b"#!/bin/bash"))


scripts = [f for f in files if shell(f)]
r = subprocess.run(["shellcheck", "-x", "-P", "SCRIPTDIR"] + scripts,
                   cwd=TOP, capture_output=True, text=True, timeout=300)
ok(r.returncode == 0, "%d shell scripts clean for shellcheck" % len(scripts))
if r.returncode:
    diag(r.stdout[:4000])
done()
