"""The one table format of the benchmarks. Each script prints its figures
with table(); when BENCH_ROWS names a file (bench/run sets it), the rows
are also appended to it, tab-separated, so that bench/run can print every
figure of every script in one table."""

import os


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
