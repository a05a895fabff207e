"""The report of a result file: one PNG per sweep (more where a sweep calls for it), an index.html that shows
them with each sweep's provenance, and report.json listing what was written."""
import datetime
import html
import json
import os
import re
import sys
import warnings

from ._deps import require
from .loader import failures, list_sweeps, open_sweep

require("matplotlib")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from .plots import View, plot_view  # noqa: E402

DPI = 100


def _safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "sweep"


def _article_link(article):
    m = re.match(r"\s*(kexue\.fm/archives/\d+)(.*)", article or "")
    if not m:
        return html.escape(article or "")
    return f'<a href="https://{m.group(1)}">{html.escape(m.group(1))}</a>{html.escape(m.group(2))}'


def _save(fig, path):
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)


def _provenance_rows(ds):
    a = ds.attrs
    rows = [("experiment", html.escape(str(a.get("experiment", "")))),
            ("article", _article_link(a.get("article", ""))),
            ("summary", html.escape(str(a.get("summary", "")))),
            ("spec file", html.escape(str(a.get("spec_file", "")))),
            ("spec hash", f"<code>{html.escape(str(a.get('spec_hash', '')))}</code>"),
            ("seed", html.escape(str(a.get("seed", "")))),
            ("replicates", html.escape(str(a.get("replicates", "")))),
            ("tasks", html.escape(f"{a.get('tasks_total', '?')}: {a.get('tasks_ok', 0)} ok, "
                                  f"{a.get('tasks_pending', 0)} pending, {a.get('tasks_failed', 0)} failed, "
                                  f"{a.get('tasks_skipped', 0)} skipped"
                                  + (f", {a['tasks_excluded']} excluded by where:" if a.get('tasks_excluded') else "")))]
    fixed = [f"{k[6:]} = {v}" for k, v in a.items() if k.startswith("param_")]
    if fixed:
        rows.append(("fixed parameters", html.escape("; ".join(fixed))))
    for key in ("plugin", "plugin_hash", "host", "slurm_job_id", "created", "versions", "mpisweep_version",
                "mpisweep_revision", "experiment_version"):
        if key in a and str(a[key]):
            rows.append((key.replace("_", " "), html.escape(str(a[key]))))
    return rows


CSS = """
body { font-family: sans-serif; max-width: 1250px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; padding-top: 0.6em; }
table.prov { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
table.prov td { padding: 2px 8px; vertical-align: top; border-bottom: 1px solid #eee; }
table.prov td:first-child { color: #555; white-space: nowrap; }
table.idx { border-collapse: collapse; font-size: 0.9em; } table.idx td, table.idx th { padding: 2px 8px;
  border-bottom: 1px solid #ddd; text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.3em 0; }
pre { background: #f6f6f6; padding: 0.5em; font-size: 0.85em; overflow-x: auto; }
.caption { font-size: 0.95em; margin: 0.2em 0 1.2em 0; }
.warn { color: #a00; } .kind { color: #666; font-size: 0.85em; }
details { margin: 0.4em 0; }
"""


def write_report(path, outdir, sweeps=None, strict=False):
    """Writes the report of result file `path` into directory `outdir` (created if missing).

    sweeps: the sweep names to include (default: all). strict: re-raise a failing dedicated plot instead of
    falling back to the generic plots. Returns {'index': path of index.html, 'sweeps': [per-sweep dicts with
    name, experiment, plot kind, png file names, captions, status counts]}; the same list is in report.json.
    """
    names = list_sweeps(path)
    if sweeps:
        unknown = [s for s in sweeps if s not in names]
        if unknown:
            raise KeyError(f"{path} has no sweep(s) {', '.join(unknown)}; its sweeps: {', '.join(names)}")
        names = [s for s in names if s in sweeps]
    os.makedirs(outdir, exist_ok=True)
    entries = []
    used = set()
    for name in names:
        ds = open_sweep(path, name)
        view = View(ds, name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figs, kind = plot_view(view, strict=strict)
        base = _safe(name)
        while base in used:
            base += "_"
        used.add(base)
        pngs, captions = [], []
        for k, (fig, caption) in enumerate(figs):
            fname = f"{base}.png" if k == 0 else f"{base}-{k + 1}.png"
            _save(fig, os.path.join(outdir, fname))
            pngs.append(fname)
            captions.append(caption)
        try:
            fail = failures(path, name)
        except Exception:  # the failure log is informative only
            fail = None
        entries.append({
            "name": name, "experiment": ds.attrs.get("experiment"), "plot": kind, "pngs": pngs,
            "captions": captions,
            "tasks": {k: ds.attrs.get("tasks_" + k) for k in ("total", "ok", "pending", "failed", "skipped",
                                                               "excluded")},
            "warnings": [str(w.message).splitlines()[0] for w in caught
                         if issubclass(w.category, UserWarning) and "failed" in str(w.message)],
            "_ds": ds, "_fail": fail,
        })
    index = os.path.join(outdir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write(_html(path, entries))
    manifest = [{k: v for k, v in e.items() if not k.startswith("_")} for e in entries]
    with open(os.path.join(outdir, "report.json"), "w", encoding="utf-8") as f:
        json.dump({"file": os.path.abspath(path), "sweeps": manifest}, f, indent=1)
    return {"index": index, "sweeps": manifest}


def _html(path, entries):
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>mpisweep report: {html.escape(os.path.basename(path))}</title><style>{CSS}</style></head><body>",
           f"<h1>mpisweep report: {html.escape(os.path.basename(path))}</h1>",
           f"<p>File <code>{html.escape(os.path.abspath(path))}</code>, report written {now} by "
           f"<code>python3 -m mpisweep report</code>. Markers are measurements with ±1 standard error bars; "
           f"dashed lines are the exact (or limiting) values the experiments compute.</p>",
           "<table class='idx'><tr><th>sweep</th><th>experiment</th><th>tasks ok / total</th><th>plot</th></tr>"]
    for e in entries:
        t = e["tasks"]
        out.append(f"<tr><td><a href='#{html.escape(_safe(e['name']))}'>{html.escape(e['name'])}</a></td>"
                   f"<td>{html.escape(str(e['experiment']))}</td><td>{t['ok']} / {t['total']}</td>"
                   f"<td>{html.escape(e['plot'])}</td></tr>")
    out.append("</table>")
    for e in entries:
        ds = e["_ds"]
        out.append(f"<h2 id='{html.escape(_safe(e['name']))}'>{html.escape(e['name'])}</h2>")
        if e["plot"] != "dedicated":
            out.append(f"<p class='kind'>plots: {html.escape(e['plot'])}</p>")
        for w in e["warnings"]:
            out.append(f"<p class='warn'>{html.escape(w)}</p>")
        out.append("<table class='prov'>")
        for k, v in _provenance_rows(ds):
            out.append(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>")
        out.append("</table>")
        for png, cap in zip(e["pngs"], e["captions"]):
            out.append(f"<img src='{html.escape(png)}' alt='{html.escape(e['name'])}'>")
            out.append(f"<p class='caption'>{html.escape(cap)}</p>")
        fail = e["_fail"]
        if fail is not None and len(fail):
            out.append(f"<details><summary>failure log ({len(fail)} entries)</summary><pre>")
            out.append(html.escape(fail.head(50).to_string(index=False)))
            out.append("</pre></details>")
        out.append("<details><summary>spec</summary><pre>" + html.escape(str(ds.attrs.get("spec", ""))) + "</pre>"
                   "</details>")
        hist = str(ds.attrs.get("history", ""))
        if hist:
            out.append("<details><summary>history</summary><pre>" + html.escape(hist) + "</pre></details>")
    out.append("</body></html>\n")
    return "\n".join(out)


def main_report(argv=None):
    """Entry for python3 -m mpisweep report (see __main__)."""
    import argparse
    ap = argparse.ArgumentParser(prog="python3 -m mpisweep report",
                                 description="Write one PNG per sweep of an mpisweep result file and an index.html "
                                             "with their provenance.")
    ap.add_argument("file", help="result file (.h5) written by mpisweep run (may still be running)")
    ap.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the PNGs and index.html")
    ap.add_argument("--sweep", action="append", metavar="NAME", help="only this sweep (repeatable)")
    ap.add_argument("--strict", action="store_true",
                    help="fail when a dedicated plot fails instead of falling back to the generic plots")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only the path of index.html")
    args = ap.parse_args(argv)
    result = write_report(args.file, args.output, sweeps=args.sweep, strict=args.strict)
    if not args.quiet:
        for e in result["sweeps"]:
            t = e["tasks"]
            print(f"{e['name']:<28} {e['experiment']:<20} {t['ok']:>6}/{t['total']:<6} tasks ok  "
                  f"{len(e['pngs'])} PNG  ({e['plot']})", file=sys.stderr)
    print(result["index"])
    return 0
