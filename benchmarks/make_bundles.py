"""Generate N realistic, varied synthetic bundles (for the batch benchmark and tests).

    python benchmarks/make_bundles.py N DIR [--seed S]

Built with the example generator (``examples/make_examples.py``): same files and structure, but
each bundle varies the country (EU grids), cell format and size (2-60 Ah), line size (cells per
lot), reporting period, per-step scrap rates and automation levels.  About 1 in 6 lines fails a
criterion (a scrap excursion in some lots, one step drifting above its 2026 per-step scrap limit, a
manual step, too few cells per day, a declared scrap rate the logs contradict) and about 1 in 40 is invalid (a unit error, an unknown step, a missing
file).  Deterministic for a given seed.  The lines are fictional.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import make_examples as ex  # noqa: E402

COUNTRIES = ["DE", "FR", "PL", "SE", "IT", "ES", "NL", "FI", "CZ", "AT", "HU", "PT", "NOR", "BE"]
FORMATS = {"pouch": (2.0, 60.0), "prismatic": (10.0, 60.0), "cylindrical": (2.0, 6.0)}
CHEM = ["NMC811/graphite", "NMC622/graphite", "LFP/graphite", "NMC955/silicon-graphite", "LMFP/graphite"]
NAMES = [
    "Nordwerk",
    "Vistula",
    "Loire",
    "Bothnia",
    "Po Valley",
    "Meseta",
    "Rhine",
    "Karelia",
    "Moravia",
    "Danube",
    "Tagus",
    "Fjord",
    "Scheldt",
    "Alpen",
]
BASE_P = {
    "mixing": 0.002,
    "coating_and_drying": 0.012,
    "calendering": 0.006,
    "cutting": 0.008,
    "stacking_or_winding": 0.006,
    "tab_welding": 0.003,
    "electrolyte_filling": 0.003,
    "sealing": 0.003,
    "formation": 0.008,
    "aging": 0.003,
    "quality_control": 0.006,
}


def make_one(out: Path, i: int, rng: random.Random) -> str:
    kind = "ok"
    r = rng.random()
    if r < 0.025:
        kind = "invalid"
    elif r < 0.19:
        kind = rng.choice(
            ["scrap_excursion", "manual_step", "low_output", "declared_scrap", "step_drift", "step_drift"]
        )
    fmt = rng.choice(list(FORMATS))
    lo, hi = FORMATS[fmt]
    cap = round(rng.uniform(lo, hi), 1)
    volt = 3.2 if "LFP" in (chem := rng.choice(CHEM)) else 3.65
    month = rng.randint(1, 10)
    start = date(2026, month, 1)
    end = (date(2026, month + 1, 1) - timedelta(days=1)) if rng.random() < 0.7 else start + timedelta(days=13)
    days = ex.workdays(start, end)
    per_lot = rng.randint(12, 30) if cap >= 10 else rng.randint(24, 60)
    if kind == "low_output":
        per_lot = rng.randint(6, 9) if cap >= 10 else rng.randint(10, 16)
    scale = rng.uniform(0.4, 1.4)
    p = {k: v * scale for k, v in BASE_P.items()}
    bad = None
    if kind == "step_drift":  # one step above its 2026 per-step limit, overall scrap still below 10 %
        step = rng.choice(["formation", "cutting", "calendering"])
        p[step] = rng.uniform(0.05, 0.065)
    if kind == "scrap_excursion":
        step = rng.choice(["formation", "coating_and_drying", "stacking_or_winding"])
        first = rng.randint(2, max(2, len(days) - 6))
        bad = {f"L{j:02d}": {step: 0.3} for j in range(first, first + 5)}
    prod, _lots = ex.simulate(rng, days, per_lot, p, bad, coat_len=(rng.uniform(20, 50), rng.uniform(55, 90)))
    k = ex.kpis_of(prod, len(days))
    eol = ex.eol_rows(rng, prod, cap, cap * rng.uniform(0.004, 0.012))
    manual = (
        {rng.choice(["stacking_or_winding", "tab_welding", "cutting"]): "manual"}
        if kind == "manual_step"
        else {}
    )
    steps = "\n".join(
        f"  - step: {s}\n    automation: {manual.get(s, rng.choice(['semi-automatic', 'automatic']))}"
        for s in ex.LIB_STEPS
    )
    declared_scrap = k["scrap"] * (0.4 if kind == "declared_scrap" else 1.0)
    kpis = (
        f'  scrap_rate: "{declared_scrap:.1f} %"\n  cell_throughput: "{k["cells_day"]:.1f} cell/day"\n'
        f'  electrode_throughput: "{k["m_day"]:.1f} m/day"\n  electrode_per_batch: "{k["m_batch"]:.0f} m/batch"'
    )
    name = f"{NAMES[i % len(NAMES)]} {fmt.capitalize()} Line {i:05d}"
    country = rng.choice(COUNTRIES)
    folder = out / f"line-{i:05d}"
    energy_wh = cap * volt
    ex.write(
        folder,
        dict(
            name=name,
            operator=f"{NAMES[i % len(NAMES)]} Cell Lab {i} (fictional)",
            site=f"Site {i % 97}",
            country=country,
            start=start,
            end=end,
            format=fmt,
            chemistry=chem,
            capacity=f"{cap} Ah",
            voltage=f"{volt} V",
            energy=f"{energy_wh:.2f} Wh",
            both_sides="true",
            steps=steps,
            kpis=kpis,
            usable=f"{energy_wh * 0.95:.2f} Wh",
            slug=f"line-{i:05d}",
        ),
        prod,
        eol,
        k,
        gas=rng.random() < 0.5,
    )
    if kind == "invalid":
        how = rng.choice(["unit", "step", "missing"])
        if how == "unit":
            d = folder / "declaration.yaml"
            d.write_text(
                d.read_text(encoding="utf-8").replace(
                    f'nominal_voltage: "{volt} V"', f'nominal_voltage: "{volt} Ah"'
                ),
                encoding="utf-8",
            )
        elif how == "step":
            log = folder / "production_log.csv"
            log.write_text(
                log.read_text(encoding="utf-8").replace(",calendering,", ",calandering,", 1), encoding="utf-8"
            )
        else:
            (folder / "eol_tests.csv").unlink()
    return kind


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args(argv)
    a.dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed)
    kinds: dict[str, int] = {}
    for i in range(a.n):
        kind = make_one(a.dir, i, rng)
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"wrote {a.n} bundles into {a.dir}: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
