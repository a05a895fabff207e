"""python3 -m mpisweep report FILE -o DIR | python3 -m mpisweep sweeps FILE

Exit codes: 0 done, 1 an error while plotting, 2 bad usage or not a result file, 3 a Python module is missing.
"""
import sys

USAGE = """usage: /usr/bin/python3 -m mpisweep COMMAND ...   (with analysis/ on PYTHONPATH)

commands:
  report FILE -o DIR [--sweep NAME]... [--strict] [-q]
                 write one PNG per sweep of FILE and DIR/index.html with their provenance
  sweeps FILE    list the sweeps of FILE: name, experiment, tasks ok/total
"""


def _sweeps(argv):
    from . import list_sweeps, open_sweep
    if len(argv) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    for name in list_sweeps(argv[0]):
        a = open_sweep(argv[0], name).attrs
        print(f"{name:<28} {a.get('experiment', '?'):<20} {a['tasks_ok']}/{a['tasks_total']} ok"
              f"{'' if a['complete'] else '  (incomplete)'}")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    try:
        from ._deps import MissingDependency
    except ImportError as e:  # pragma: no cover
        print(f"mpisweep: {e}", file=sys.stderr)
        return 3
    try:
        if cmd == "report":
            from .report_impl import main_report
            return main_report(rest)
        if cmd == "sweeps":
            return _sweeps(rest)
        print(f"mpisweep: unknown command {cmd!r}\n{USAGE}", file=sys.stderr)
        return 2
    except MissingDependency as e:
        print(e, file=sys.stderr)
        return 3
    except (FileNotFoundError, KeyError, ValueError) as e:
        print(f"mpisweep {cmd}: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2


def report_command():
    """The console script mpisweep-report (pyproject.toml): the same as python3 -m mpisweep report."""
    return main(["report"] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
