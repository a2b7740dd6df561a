"""Benchmark: how long the audit dossier takes beyond ``assess`` on the example bundle.

Prints, for the approved example bundle:
  * in-process medians of assess(), render_html(), render_markdown() and write_dossier();
  * cold-process wall time of "assess only" vs "assess + write dossier" (fresh interpreters, so
    the cost of importing Jinja2/PyYAML and loading the templates is included).

Usage: python benchmarks/bench_dossier.py [--repeat N]
The issue's target: the dossier adds at most 1.5 s of wall time to assess.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CMD = "liplanet-cert dossier --example -o out"

COLD_ASSESS = """
import time; t=time.perf_counter()
from liplanet_cert.assessment.core import assess
from liplanet_cert.infra.resources import example_bundle
r = assess(example_bundle("approved"), bw_dir={bw!r})
print(time.perf_counter()-t)
"""
COLD_DOSSIER = COLD_ASSESS.replace(
    "print(time.perf_counter()-t)",
    "from liplanet_cert.dossier import write_dossier\n"
    "write_dossier(r, {out!r}, command={cmd!r})\nprint(time.perf_counter()-t)",
)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def cold(code: str, repeat: int) -> float:
    walls = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from liplanet_cert.assessment.core import assess
    from liplanet_cert.dossier import render_html, render_markdown, write_dossier
    from liplanet_cert.infra.resources import example_bundle

    with tempfile.TemporaryDirectory() as tmp:
        bw = str(Path(tmp) / "bw")
        out = str(Path(tmp) / "out")
        assess(example_bundle("approved"), bw_dir=Path(bw))  # warm the Brightway project once
        t_assess, result = timed(lambda: assess(example_bundle("approved"), bw_dir=Path(bw)), args.repeat)
        t_first = time.perf_counter()
        render_html(result, command=CMD)
        t_first = time.perf_counter() - t_first
        t_html, html = timed(lambda: render_html(result, command=CMD), args.repeat)
        t_md, md = timed(lambda: render_markdown(result, command=CMD), args.repeat)
        t_write, _ = timed(lambda: write_dossier(result, Path(out), command=CMD), args.repeat)

        c_assess = cold(COLD_ASSESS.format(bw=bw), args.repeat)
        c_dossier = cold(COLD_DOSSIER.format(bw=bw, out=out, cmd=CMD), args.repeat)

    fp = "with footprint" if result.footprint else "without footprint"
    print(f"example bundle: approved ({fp}); median of {args.repeat} runs")
    print(f"  assess()                      {t_assess * 1000:8.1f} ms")
    print(f"  render_html() first call      {t_first * 1000:8.1f} ms  (imports Jinja2, compiles templates)")
    print(f"  render_html()                 {t_html * 1000:8.1f} ms  ({len(html) / 1024:.0f} KiB)")
    print(f"  render_markdown()             {t_md * 1000:8.1f} ms  ({len(md) / 1024:.0f} KiB)")
    print(f"  write_dossier(html, md)       {t_write * 1000:8.1f} ms")
    print("cold processes (fresh interpreter each):")
    print(f"  assess only                   {c_assess * 1000:8.1f} ms")
    print(f"  assess + dossier              {c_dossier * 1000:8.1f} ms")
    extra = c_dossier - c_assess
    print(
        f"  dossier beyond assess         {extra * 1000:8.1f} ms  (target <= 1500 ms: {'OK' if extra <= 1.5 else 'OVER'})"
    )


if __name__ == "__main__":
    main()
