#!/usr/bin/python3
"""Tables of bench/startup.sh: the raw rows (variant, ranks, seconds of the whole command, mpisweep's phase line;
"launch" rows: the MPI-only program, with MPI_Init's and MPI_Finalize's seconds on rank 0) become the split of
start-up per rank count (medians with [min, max]), the growth law of each part (least squares of log t on log N,
with the slope's standard error) and its extrapolation, the variants side by side, and the system calls on the
result file per variant (--io: lines "ranks variant rank0_calls rank0_io others_calls others_io fsyncs").

usage: startup_table.py RAW.tsv [--io COUNTS] [--fit-from N] [--to N]   (standard library only; /usr/bin/python3)
"""
import argparse
import math
import statistics
import sys
from collections import defaultdict

# run.h's phases as this table groups them: (label, fields summed)
PARTS = [
    ("communicator dup", ["comm"]),
    ("spec: read on rank 0", ["spec_read"]),
    ("spec: broadcast", ["spec_broadcast"]),
    ("spec: parse on every rank", ["spec_parse"]),
    ("provenance", ["provenance"]),
    ("file: rank 0's checks", ["store_preflight"]),
    ("file: collective create", ["store_create"]),
    ("file: layout and metadata", ["store_layout"]),
    ("file: first flush", ["store_flush"]),
    ("scheduling the task", ["schedule"]),
    ("close", ["close"]),
]


def load(path):
    """rows[variant][n] = list of dicts (whole, and each phase; launch rows have only whole)."""
    rows = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for line in f:
            variant, n, whole, phases = line.rstrip("\n").split("\t")
            row = {"whole": float(whole)}
            for item in phases.split():
                key, value = item.split("=")
                row[key] = float(value)
            rows[variant][int(n)].append(row)
    return rows


def values(runs, fields):
    return [sum(r[f] for f in fields) for r in runs]


def cell(v, scale=1.0):
    v = [x * scale for x in v]
    return "%.4g [%.4g, %.4g]" % (statistics.median(v), min(v), max(v))


def fit(ns, medians):
    """t = a N^b by least squares on the logs: (a, b, standard error of b); None with fewer than 3 points or a
    non-positive median."""
    pts = [(math.log(n), math.log(t)) for n, t in zip(ns, medians) if t > 0]
    if len(pts) < 3:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    b = sum((x - mx) * (y - my) for x, y in pts) / sxx
    a = math.exp(my - b * mx)
    resid = sum((y - (my + b * (x - mx))) ** 2 for x, y in pts)
    se = math.sqrt(resid / (len(pts) - 2) / sxx)
    return a, b, se


def rest_of(d, launch, n):
    """whole - MPI-only program - mpisweep's phases: the processes' start, their libraries, the command line."""
    return (statistics.median(values(d[n], ["whole"])) - statistics.median(values(launch[n], ["whole"]))
            - statistics.median(values(d[n], ["total"])))


def split_table(rows):
    d, launch = rows["default"], rows["launch"]
    print("Whole command against its parts (seconds): the MPI-only program (launch + MPI_Init + MPI_Finalize; of it,")
    print("MPI_Init and MPI_Finalize on rank 0's clock), mpisweep's own start-up and close (run.h's phases: all of")
    print("sw_run on rank 0), and the rest (whole - MPI-only program - phases: the processes' start, loading")
    print("mpisweep's libraries, the command line; a difference of medians):")
    print()
    print("| ranks | whole command | MPI-only program | of it MPI_Init | of it MPI_Finalize | mpisweep's phases "
          "| the rest |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in sorted(d):
        print("| %d | %s | %s | %s | %s | %s | %.3f |" % (
            n, cell(values(d[n], ["whole"])), cell(values(launch[n], ["whole"])),
            cell(values(launch[n], ["mpi_init"])), cell(values(launch[n], ["mpi_finalize"])),
            cell(values(d[n], ["total"])), rest_of(d, launch, n)))
    print()
    print("mpisweep's phases (milliseconds, rank 0's clock; each phase ends when the slowest rank has finished it):")
    print()
    ns = sorted(d)
    print("| phase | " + " | ".join("%d ranks" % n for n in ns) + " |")
    print("| --- |" + " --- |" * len(ns))
    for label, fields in PARTS:
        print("| %s | " % label + " | ".join(cell(values(d[n], fields), 1e3) for n in ns) + " |")
    print()


def laws_table(rows, fit_from, to):
    d, launch = rows["default"], rows["launch"]
    ns = [n for n in sorted(d) if n >= fit_from]
    parts = [("MPI-only program", [statistics.median(values(launch[n], ["whole"])) for n in ns]),
             ("of it MPI_Init", [statistics.median(values(launch[n], ["mpi_init"])) for n in ns]),
             ("of it MPI_Finalize", [statistics.median(values(launch[n], ["mpi_finalize"])) for n in ns]),
             ("the rest (processes' start, libraries)", [rest_of(d, launch, n) for n in ns])]
    parts += [(label, [statistics.median(values(d[n], f)) for n in ns]) for label, f in PARTS]
    parts.append(("mpisweep's phases, all", [statistics.median(values(d[n], ["total"])) for n in ns]))
    parts.append(("whole command", [statistics.median(values(d[n], ["whole"])) for n in ns]))
    print("Growth laws t = a N^b, least squares on the logs of the medians at %s ranks, the slope's standard error"
          % ", ".join(map(str, ns)))
    print("from the residuals (%d points), and the law carried to %d ranks:" % (len(ns), to))
    print()
    print("| part | at %d ranks (s) | law | at %d ranks (s), extrapolated |" % (ns[-1], to))
    print("| --- | --- | --- | --- |")
    for label, med in parts:
        law = fit(ns, med)
        if law is None:
            why = "fewer than 3 rank counts" if len(ns) < 3 else "a median <= 0"
            print("| %s | %.4g | (no fit: %s) | |" % (label, med[-1], why))
            continue
        a, b, se = law
        print("| %s | %.4g | %.3g N^(%.2f +- %.2f) | %.3g |" % (label, med[-1], a, b, se, a * to ** b))
    print()


def variants_table(rows, fit_from):
    variants = [v for v in rows if v != "launch"]
    if len(variants) < 2:
        return
    ns = sorted(rows["default"])
    print("Variants (HDF5 metadata options, MPI-IO component): the file's part (store open + close, milliseconds) and the whole command (seconds)")
    print("per variant, run interleaved in the same repetitions:")
    print()
    print("| ranks | " + " | ".join("%s: file (ms)" % v for v in variants) + " | "
          + " | ".join("%s: whole (s)" % v for v in variants) + " |")
    print("| --- |" + " --- |" * (2 * len(variants)))
    file_fields = ["store_open", "close"]
    for n in ns:
        print("| %d | " % n + " | ".join(cell(values(rows[v][n], file_fields), 1e3) for v in variants) + " | "
              + " | ".join(cell(values(rows[v][n], ["whole"])) for v in variants) + " |")
    fit_ns = [n for n in ns if n >= fit_from]
    if len(fit_ns) < 3:
        print()
        return
    laws = []
    for v in variants:
        law = fit(fit_ns, [statistics.median(values(rows[v][n], file_fields)) for n in fit_ns])
        laws.append("N^(%.2f +- %.2f)" % (law[1], law[2]) if law else "")
    print("| law (N >= %d) | " % fit_from + " | ".join(laws) + " |" + " |" * len(variants))
    print()


def io_table(path, to):
    lines = [l.split() for l in open(path) if l.strip()]
    if not lines:
        return
    print("System calls on the result file (strace -c -P FILE.creating -P FILE, one run per variant and rank count):")
    print("rank 0's, each other rank's (its reads and writes in brackets), the fsyncs of all ranks, and the total")
    print("for %d ranks (rank 0's + %d x another's: the count is linear in N):" % (to, to - 1))
    print()
    print("| variant | ranks | rank 0 | each other rank | fsyncs, all ranks | at %d ranks: calls (reads + writes) |" % to)
    print("| --- | --- | --- | --- | --- | --- |")
    for n, v, c0, i0, c, i, fs in lines:
        n, c0, i0, c, i, fs = int(n), int(c0), int(i0), int(c), int(i), int(fs)
        per, per_io = c / (n - 1), i / (n - 1)
        print("| %s | %d | %d (%d) | %.4g (%.4g) | %d | %.4g (%.4g) |" % (
            v, n, c0, i0, per, per_io, fs, c0 + per * (to - 1), i0 + per_io * (to - 1)))
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("raw")
    p.add_argument("--io")
    p.add_argument("--fit-from", type=int, default=8)
    p.add_argument("--to", type=int, default=10000)
    a = p.parse_args()
    rows = load(a.raw)
    if "default" not in rows or "launch" not in rows:
        sys.exit("startup_table.py: %s has no default or launch rows" % a.raw)
    split_table(rows)
    laws_table(rows, a.fit_from, a.to)
    variants_table(rows, a.fit_from)
    if a.io:
        io_table(a.io, a.to)


main()
