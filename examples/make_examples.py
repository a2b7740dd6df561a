"""Regenerate the example bundles in examples/bundles/ (deterministic, seeded).

    python examples/make_examples.py

- approved/      a realistic pouch NMC811/graphite pilot line that passes liplanet-2026;
- not-approved/  a cylindrical line that fails several criteria, one of them a declared scrap
                 rate its own logs contradict (lots L12-L19);
- invalid/       schema and unit errors (exit code 2).
The lines, operators and figures are fictional.
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from quality_examples import APPROVED, HEADER, NOT_APPROVED, quality_rows, specs_yaml  # (examples/)

from liplanet_cert.catalogue import line_steps

HERE = Path(__file__).resolve().parent / "bundles"
LIB_STEPS = line_steps()  # every Figure 7 step of a lithium-ion line, in order


def workdays(start: date, end: date) -> list[date]:
    d, out = start, []
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def simulate(
    rng: random.Random,
    days: list[date],
    start_units: int,
    p: dict[str, float],
    bad_lots: dict[str, dict[str, float]] | None = None,
    coat_len: tuple[float, float] = (55.0, 65.0),
    steps: list[str] = LIB_STEPS,
) -> tuple[list[list], list[str]]:
    rows: list[list] = []
    lots = []
    for i, day in enumerate(days, start=1):
        lot = f"L{i:02d}"
        lots.append(lot)
        n = start_units
        for step in steps:
            rate = (bad_lots or {}).get(lot, {}).get(step, p[step])
            scrap = sum(1 for _ in range(n) if rng.random() < rate)
            length = f"{rng.uniform(*coat_len):.1f}" if step == "coating_and_drying" else ""
            rows.append([day.isoformat(), step, lot, n, n - scrap, scrap, length])
            n -= scrap
    return rows, lots


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def eol_rows(rng: random.Random, prod: list[list], nominal: float, sigma: float) -> list[list]:
    out = []
    k = 0
    for r in prod:
        if r[1] != "quality_control":
            continue
        day, _, lot, n, good, scrap, _ = r
        results = ["pass"] * good + ["fail"] * scrap
        rng.shuffle(results)
        for res in results:
            k += 1
            cap = rng.gauss(nominal * 1.01, sigma) if res == "pass" else rng.gauss(nominal * 0.93, sigma * 2)
            ir = rng.gauss(1.9, 0.08) if res == "pass" else rng.gauss(2.6, 0.2)
            ocv = abs(rng.gauss(1.2, 0.25)) if res == "pass" else abs(rng.gauss(4.5, 1.0))
            out.append([f"C{k:05d}", lot, day, f"{cap:.4f}", f"{ir:.3f}", f"{ocv:.2f}", res])
    return out


def kpis_of(prod: list[list], days: int) -> dict[str, float]:
    import math

    by: dict[str, list[int]] = {}
    for r in prod:
        s = by.setdefault(r[1], [0, 0, 0])
        s[0] += r[3]
        s[1] += r[4]
        s[2] += r[5]
    rty = math.prod(v[1] / v[0] for v in by.values())
    cells = by["quality_control"][1]
    length = sum(float(r[6]) for r in prod if r[6])
    return {
        "scrap": (1 - rty) * 100,
        "cells_day": cells / days,
        "m_day": length / days,
        "cells": cells,
        "m_batch": length / sum(1 for r in prod if r[6]),
    }


DECLARATION = """\
# LiPLANET submission bundle, format 1.0 (fictional example).
# Quantities are strings with units; they are parsed and dimension-checked.
format_version: "1.0"
pilot_line:
  name: {name}
  operator: {operator}
  site: {site}
  country: {country}            # ISO 3166-1 alpha-2 or alpha-3
reporting_period:
  start: "{start}"
  end: "{end}"
cell:
  format: {format}              # pouch | prismatic | cylindrical
  chemistry: {chemistry}
  nominal_capacity: "{capacity}"
  nominal_voltage: "{voltage}"
  nominal_energy: "{energy}"
electrode_coating:
  both_sides: {both_sides}
  mode: sequential              # sequential | simultaneous
steps:                          # Figure 7 steps the line runs, with automation level
{steps}
kpis:                           # declared KPIs, cross-checked against the logs
{kpis}
files:
  production_log: production_log.csv
  eol_tests: eol_tests.csv
  energy: energy.csv
  quality_log: quality_log.csv
evidence:
{evidence}
{quality_specs}
passport:                       # functional unit, for the battery-passport export
  usable_energy: "{usable}"
  application_category: M1      # vehicle category: sets the cycles per year (M1/N1 60, L 20, M2/M3/N2/N3 250)
  warranty_years: 8             # warranty period = service life
  study_url: "https://example.org/liplanet/{slug}/lca-study"
"""


def make_approved() -> None:
    out = HERE / "approved"
    rng = random.Random(2026)
    days = workdays(date(2026, 9, 1), date(2026, 9, 30))
    p = {
        "mixing": 0.003,
        "coating_and_drying": 0.015,
        "calendering": 0.008,
        "cutting": 0.01,
        "stacking_or_winding": 0.008,
        "tab_welding": 0.004,
        "electrolyte_filling": 0.004,
        "sealing": 0.004,
        "formation": 0.01,
        "aging": 0.004,
        "quality_control": 0.008,
    }
    prod, lots = simulate(rng, days, 48, p)
    k = kpis_of(prod, len(days))
    eol = eol_rows(rng, prod, 5.0, 0.035)
    steps = "\n".join(
        f"  - step: {s}\n    automation: {'automatic' if s in ('coating_and_drying', 'calendering', 'formation', 'aging') else 'semi-automatic'}"
        for s in LIB_STEPS
    )
    kpis = (
        f'  scrap_rate: "{k["scrap"]:.1f} %"\n  cell_throughput: "{k["cells_day"]:.1f} cell/day"\n'
        f'  electrode_throughput: "{k["m_day"]:.1f} m/day"\n  electrode_per_batch: "{k["m_batch"]:.0f} m/batch"\n'
        f'  eol_pass_rate: "{sum(1 for r in eol if r[-1] == "pass") / len(eol) * 100:.1f} %"\n  capacity_mean: "5.03 Ah"'
    )
    write(
        out,
        dict(
            name="Nordwerk Pouch Pilot Line",
            operator="Nordwerk Batterieforschung (fictional)",
            site="Münster",
            country="DE",
            start=days[0],
            end=date(2026, 9, 30),
            format="pouch",
            chemistry="NMC811/graphite",
            capacity="5 Ah",
            voltage="3.65 V",
            energy="18.25 Wh",
            both_sides="true",
            steps=steps,
            kpis=kpis,
            usable="17.3 Wh",
            slug="nordwerk",
            quality_specs=specs_yaml(APPROVED),
        ),
        prod,
        eol,
        k,
        gas=True,
        energy=approved_energy(days[0], date(2026, 9, 30), k["cells"]),
    )
    write_csv(out / "quality_log.csv", HEADER, quality_rows(prod, APPROVED, seed=2029, shift=False))


def make_not_approved() -> None:
    out = HERE / "not-approved"
    rng = random.Random(7)
    days = workdays(date(2026, 9, 1), date(2026, 9, 30))
    p = {
        "mixing": 0.0,
        "coating_and_drying": 0.01,
        "calendering": 0.004,
        "cutting": 0.004,
        "stacking_or_winding": 0.004,
        "tab_welding": 0.002,
        "electrolyte_filling": 0.002,
        "sealing": 0.002,
        "formation": 0.004,
        "aging": 0.002,
        "quality_control": 0.004,
    }
    bad = {f"L{i}": {"formation": 0.3} for i in range(12, 20)}  # a formation fault in lots L12-L19
    prod, lots = simulate(rng, days, 18, p, bad, coat_len=(24.0, 30.0))
    k = kpis_of(prod, len(days))
    eol = eol_rows(rng, prod, 4.8, 0.06)
    auto = {"stacking_or_winding": "manual", "tab_welding": "manual"}
    steps = "\n".join(f"  - step: {s}\n    automation: {auto.get(s, 'semi-automatic')}" for s in LIB_STEPS)
    kpis = (
        f'  scrap_rate: "5 %"\n  cell_throughput: "{k["cells_day"]:.0f} cell/day"\n'
        f'  electrode_throughput: "{k["m_day"]:.1f} m/day"'
    )
    write(
        out,
        dict(
            name="Vistula Cylindrical Line",
            operator="Vistula Cell Lab (fictional)",
            site="Kraków",
            country="POL",
            start=days[0],
            end=date(2026, 9, 30),
            format="cylindrical",
            chemistry="NMC622/graphite",
            capacity="4.8 Ah",
            voltage="3.6 V",
            energy="17.28 Wh",
            both_sides="true",
            steps=steps,
            kpis=kpis,
            usable="16.5 Wh",
            slug="vistula",
            quality_specs=specs_yaml(NOT_APPROVED),
        ),
        prod,
        eol,
        k,
        gas=False,
    )
    write_csv(out / "quality_log.csv", HEADER, quality_rows(prod, NOT_APPROVED, seed=8, shift=True))


def make_invalid() -> None:
    out = HERE / "invalid"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(HERE / "approved", out)
    decl = (out / "declaration.yaml").read_text(encoding="utf-8")
    decl = decl.replace('electrode_throughput: "', 'electrode_throughput: "2 kg/day" # was "')
    decl = decl.replace("country: DE ", "country: XX ")
    decl = decl.replace("  format: pouch ", "  format: coin  ")
    decl = decl.replace('nominal_voltage: "3.65 V"', 'nominal_voltage: "3.65 Ah"')
    (out / "declaration.yaml").write_text(decl, encoding="utf-8")
    log = (out / "production_log.csv").read_text(encoding="utf-8").splitlines()
    log[3] = log[3].replace("calendering", "calandering")
    parts = log[9].split(",")
    parts[3] = "-4"
    log[9] = ",".join(parts)
    parts = log[12].split(",")
    parts[0] = "2027-01-04"
    log[12] = ",".join(parts)
    (out / "production_log.csv").write_text("\n".join(log) + "\n", encoding="utf-8")


def write(
    out: Path,
    fields: dict,
    prod: list[list],
    eol: list[list],
    k: dict,
    gas: bool,
    energy: tuple[list[str], list[list]] | None = None,
) -> None:
    """Write a bundle to ``out``; ``energy`` (header, rows) or else the plain meters of
    :func:`plain_energy` (with the coater's gas when ``gas``)."""
    import hashlib

    if out.exists():
        shutil.rmtree(out)
    (out / "evidence").mkdir(parents=True)
    evidence = out / "evidence" / "formation-equipment-calibration.txt"
    evidence.write_text(
        f"Calibration certificate (fictional) for the formation cyclers of {fields['name']}.\n"
        "Channels 1-64 calibrated 2026-08-14, current accuracy 0.05 % FS, voltage 0.02 % FS.\n",
        encoding="utf-8",
    )
    sha = hashlib.sha256(evidence.read_bytes()).hexdigest()
    fields["evidence"] = (
        f"  - path: evidence/formation-equipment-calibration.txt\n    sha256: {sha}\n    description: Formation cycler calibration certificate"
    )
    fields.setdefault("quality_specs", "")  # (bundles without a quality log: none)
    (out / "declaration.yaml").write_text(DECLARATION.format(**fields), encoding="utf-8")
    write_csv(
        out / "production_log.csv",
        ["date", "step", "lot_id", "units_in", "good_out", "scrap", "electrode_length [m]"],
        prod,
    )
    write_csv(
        out / "eol_tests.csv",
        [
            "cell_id",
            "lot_id",
            "date",
            "capacity [Ah]",
            "internal_resistance [mohm]",
            "ocv_drop [mV]",
            "result",
        ],
        eol,
    )
    if energy is None:
        energy = plain_energy(fields["start"], fields["end"], k["cells"], gas)
    header, rows = energy
    write_csv(out / "energy.csv", header, rows)


ENERGY_HEADER = [
    "step",
    "period_start",
    "period_end",
    "carrier",
    "amount",
    "unit",
    "meter_accuracy",
    "meter_id",
]

# Dry room of the approved line, per day (kWh): a base load drawn around the clock, whether or not
# cells are made, plus what production adds (door cycles, purge after material transfers).
DRY_ROOM_BASE = {
    "electricity": 3.6,
    "natural_gas": 4.0,
}  # 0.15 kW fans/controls; desiccant burner at low fire
DRY_ROOM_PRODUCTION = {"electricity": 2.5, "natural_gas": 2.0}


def runs(start: date, end: date) -> list[tuple[date, date, int]]:
    """The period split into runs of working days and of weekend days: (first, last, working days)."""
    out: list[tuple[date, date, int]] = []
    d = start
    while d <= end:
        first, work = d, d.weekday() < 5
        while d + timedelta(days=1) <= end and ((d + timedelta(days=1)).weekday() < 5) == work:
            d += timedelta(days=1)
        out.append((first, d, (d - first).days + 1 if work else 0))
        d += timedelta(days=1)
    return out


def approved_energy(start: date, end: date, cells: int) -> tuple[list[str], list[list]]:
    """Meters of the approved line: every carrier of its dominant steps (coating and drying,
    formation, dry room, calendering) is metered; the dry room is read per working week and per
    weekend, so its base load shows on days without production.  Gas is billed on gross calorific
    value, the default basis of a row without calorific_basis."""
    s, e = start.isoformat(), end.isoformat()
    dry_room: list[list] = []
    for carrier, meter in (("electricity", "M-301"), ("natural_gas", "G-301")):
        for first, last, work in runs(start, end):
            days = (last - first).days + 1
            kwh = days * DRY_ROOM_BASE[carrier] + work * DRY_ROOM_PRODUCTION[carrier]
            dry_room.append(
                ["dry_room", first.isoformat(), last.isoformat(), carrier, f"{kwh:.1f}", "kWh", "2 %", meter]
            )
    # the first rows keep the order of the earlier example (tests point at them by row)
    rows: list[list] = [
        ["coating_and_drying", s, e, "electricity", f"{cells * 0.085:.1f}", "kWh", "1 %", "M-101"],
        ["calendering", s, e, "electricity", f"{cells * 0.045:.1f}", "kWh", "1 %", "M-102"],
        ["formation", s, e, "electricity", "0.21", "kWh/cell", "0.5 %", "M-201"],
        ["aging", s, e, "electricity", f"{cells * 0.02 * 3.6:.0f}", "MJ", "1 %", "M-202"],
        dry_room[0],
        ["coating_and_drying", s, e, "natural_gas", f"{cells * 0.62:.0f}", "MJ", "2 %", "G-101"],
        ["formation", s, e, "natural_gas", "0", "kWh", "", "none: no gas supply to formation"],
        *dry_room[1:],
    ]
    return ENERGY_HEADER, rows


def plain_energy(start: date, end: date, cells: int, gas: bool = False) -> tuple[list[str], list[list]]:
    """Monthly meters of electricity of five steps (the not-approved line; the benchmark lines),
    with the coater's natural gas when ``gas``."""
    s, e = start.isoformat(), end.isoformat()
    gas_row = ["coating_and_drying", s, e, "natural_gas", f"{cells * 0.62:.0f}", "MJ", "2 %", "G-101"]
    return ENERGY_HEADER, [
        ["coating_and_drying", s, e, "electricity", f"{cells * 0.085:.1f}", "kWh", "1 %", "M-101"],
        ["calendering", s, e, "electricity", f"{cells * 0.045:.1f}", "kWh", "1 %", "M-102"],
        ["formation", s, e, "electricity", "0.21", "kWh/cell", "0.5 %", "M-201"],
        ["aging", s, e, "electricity", f"{cells * 0.02 * 3.6:.0f}", "MJ", "1 %", "M-202"],
        ["dry_room", s, e, "electricity", f"{cells * 0.16:.1f}", "kWh", "2 %", "M-301"],
    ] + ([gas_row] if gas else [])


if __name__ == "__main__":
    make_approved()
    make_not_approved()
    make_invalid()
    print("wrote", ", ".join(sorted(p.name for p in HERE.iterdir())))
