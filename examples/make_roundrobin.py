"""Regenerate the example round robin in examples/roundrobin/ (deterministic, numpy seeded).

    python examples/make_roundrobin.py

A fictional first round of the network: five pilot lines build five NMC622/graphite pouch cells
(5 Ah) each to one protocol and report capacity, internal resistance and OCV drop per cell.
- results.csv   one row per line, measurand and cell (replicate 1-5, cell id); two lines give a
                standard uncertainty per value; one line reports capacity in mAh and one its
                resistance in ohm (the tool converts them to the protocol's units);
- protocol.yaml the round's protocol (Algorithm A consensus; sigma_pt the robust SD, except a fixed
                sigma_pt for internal resistance).
One line, "Ebro Prototype Line", is clearly off: its cells' capacity is about 50 mAh (3-4 sigma)
below the others'.  The lines and figures are fictional.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "roundrobin"
SEED = 20260914
CELLS = 5

# line -> (capacity offset [Ah], resistance offset [mohm], OCV drop offset [mV], reports uncertainties)
LINES = {
    "Nordwerk Pouch Pilot Line": (0.003, 0.02, 0.03, True),
    "Vistula Cell Lab": (-0.004, -0.03, -0.02, False),
    "Ebro Prototype Line": (-0.050, 0.05, 0.05, False),  # the line that is off (capacity)
    "Fjord Battery Pilot": (0.005, -0.01, 0.01, True),
    "Danube Cell Foundry": (-0.001, 0.04, -0.04, False),
}
TRUE = {"capacity": 5.05, "internal_resistance": 1.95, "ocv_drop": 1.15}  # Ah, mohm, mV
WITHIN = {"capacity": 0.005, "internal_resistance": 0.03, "ocv_drop": 0.04}  # cell-to-cell SD
UNCERTAINTY = {"capacity": 0.01, "internal_resistance": 0.02, "ocv_drop": 0.03}  # standard, when given
UNITS = {"capacity": "Ah", "internal_resistance": "mohm", "ocv_drop": "mV"}
# a line that writes a measurand in another unit: (factor from the protocol's unit, unit written)
OTHER_UNIT = {
    ("Vistula Cell Lab", "capacity"): (1000.0, "mAh"),
    ("Danube Cell Foundry", "internal_resistance"): (0.001, "ohm"),
}

PROTOCOL = """\
# LiPLANET round-robin protocol (fictional example), validated by `liplanet-cert schema roundrobin`.
format_version: "1.0"
id: liplanet-rr-nmc622
version: "1.0.0"
round_id: RR-2026-01
title: First network round robin, NMC622/graphite pouch reference cell
reference_design:
  chemistry: NMC622/graphite
  format: pouch
  nominal_capacity: "5 Ah"
measurands:
  capacity:
    unit: Ah
    description: Discharge capacity at C/3, 25 degC, after formation
    assigned_value: {method: algorithm_a}
    sigma_pt: {method: robust_sd}
    limits: {satisfactory: 2, unsatisfactory: 3}
  internal_resistance:
    unit: mohm
    description: 1 kHz AC internal resistance at 50 % SOC
    assigned_value: {method: algorithm_a}
    sigma_pt: {method: fixed, value: 0.08}   # fitness for purpose, set by the expert group
    limits: {satisfactory: 2, unsatisfactory: 3}
  ocv_drop:
    unit: mV
    description: Open-circuit voltage drop over 7 days of rest at 25 degC
    assigned_value: {method: algorithm_a}
    sigma_pt: {method: robust_sd}
    limits: {satisfactory: 2, unsatisfactory: 3}
"""


def rows(rng: np.random.Generator) -> list[list[str]]:
    out = []
    for i, (line, (dc, dr, dv, with_u)) in enumerate(LINES.items()):
        offsets = {"capacity": dc, "internal_resistance": dr, "ocv_drop": dv}
        for m in TRUE:
            values = TRUE[m] + offsets[m] + rng.normal(0.0, WITHIN[m], CELLS)
            factor, unit = OTHER_UNIT.get((line, m), (1.0, UNITS[m]))
            for k, v in enumerate(values, 1):
                u = f"{UNCERTAINTY[m] * factor:.6g}" if with_u else ""
                out.append([line, m, str(k), f"{v * factor:.6g}", unit, u, f"RR{i + 1}-{k:02d}"])
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    HERE.mkdir(parents=True, exist_ok=True)
    with open(HERE / "results.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["participant", "measurand", "replicate", "value", "unit", "uncertainty", "cell_id"])
        w.writerows(rows(rng))
    (HERE / "protocol.yaml").write_text(PROTOCOL, encoding="utf-8")
    print(f"wrote {HERE / 'results.csv'} and {HERE / 'protocol.yaml'}")


if __name__ == "__main__":
    main()
