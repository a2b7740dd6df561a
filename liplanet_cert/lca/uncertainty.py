"""The ``uncertainty`` section of a footprint, from the draws of a Monte Carlo run.

Intervals (mean, median, 2.5 and 97.5 percentiles, standard deviation; kg CO2e per good cell)
per step, per stage and for the cradle-to-gate total; the drivers of the spread; and the
parameters that are *not* varied, each with the reason (no sourced distribution).

Contribution to variance: for each output, the squared Spearman rank correlation between every
varied input's sampled values and the output's, normalised to sum to 100 % over the inputs that
feed that output (the usual "contribution to variance" of LCA tools); the five largest are
reported.  It is exact only for a model additive in monotone inputs: products of two varied
inputs (an amount times a factor) are attributed approximately.
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.lca.brightway import grid_relative_sd
from liplanet_cert.lca.materials import MATERIALS_ACTIVITY, MaterialsInventory, factor_distribution
from liplanet_cert.lca.model import Model
from liplanet_cert.lca.montecarlo import Samples
from liplanet_cert.lca.types import MAIN_PRODUCTION, RAW_MATERIALS, FootprintInput, StepInventory

TOP = 5
CONTRIBUTION_METHOD = (
    "share of variance = squared Spearman rank correlation between each varied input's sampled "
    "values and the output, normalised to 100 % over the inputs feeding that output; top five"
)
_WHAT = {"electricity": "electricity", "heat": "natural gas"}


def summary(values: Any) -> dict[str, float]:
    """Mean, median, 2.5/97.5 percentiles (linear interpolation) and sample standard deviation."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    p = np.percentile(v, [50.0, 2.5, 97.5])
    return {
        "mean": float(v.mean()),
        "median": float(p[0]),
        "p2_5": float(p[1]),
        "p97_5": float(p[2]),
        "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
    }


def contributions(output: Any, inputs: Any, labels: list[str], which: list[int]) -> list[dict[str, Any]]:
    """The top inputs (of the columns ``which`` of ``inputs``) by share of the variance of ``output``."""
    import numpy as np
    from scipy.stats import rankdata

    if not which or len(output) < 3:
        return []
    ry = rankdata(output)
    rx = rankdata(inputs[:, which], axis=0)
    ry, rx = ry - ry.mean(), rx - rx.mean(axis=0)
    denom = np.sqrt((rx**2).sum(axis=0) * (ry**2).sum())
    rho = np.divide(rx.T @ ry, denom, out=np.zeros(len(which)), where=denom > 0)
    r2 = rho**2
    total = r2.sum()
    if total <= 0:
        return []
    order = sorted(range(len(which)), key=lambda j: (-r2[j], labels[which[j]]))[:TOP]
    return [
        {"input": labels[which[j]], "share": float(r2[j] / total), "spearman": float(rho[j])} for j in order
    ]


def _flow_label(step: str, f: Any) -> str:
    what = _WHAT.get(f.carrier) or f.supplier.split("|", 1)[-1]
    return f"{step} {what} ({'metered' if f.primary else 'reference-model'} amount)"


def fixed_parameters(
    model: Model, inventory: list[StepInventory], materials: MaterialsInventory, country: str
) -> list[dict[str, str]]:
    """The parameters this footprint uses that the Monte Carlo keeps fixed, with the reason."""
    bg = model.background
    why = bg.get("not_varied", {})
    flows = [(inv.step, f) for inv in inventory for f in inv.flows]
    out: list[dict[str, str]] = []
    if any(f.carrier == "electricity" for _, f in flows) and not grid_relative_sd(model).get(country):
        out.append(
            {
                "parameter": f"grid electricity {country} (factor)",
                "reason": " ".join(bg["electricity"]["uncertainty"]["no_history"].split()),
            }
        )
    if any(f.carrier == "heat" for _, f in flows):
        for name, key in (
            ("natural-gas supply chain (upstream factor)", "natural_gas_upstream"),
            ("natural-gas combustion CH4 and N2O (factors)", "natural_gas_ch4_n2o"),
        ):
            out.append({"parameter": name, "reason": " ".join(str(why.get(key, "")).split())})
    mats = sorted({f.supplier.split("|", 1)[1] for _, f in flows if f.carrier == "materials"})
    if mats:
        out.append(
            {
                "parameter": "process material " + ", ".join(mats) + " (factor)",
                "reason": " ".join(str(why.get("process_materials", "")).split()),
            }
        )
    for step, f in flows:
        if not f.uncertainty and f.amount:
            reason = "stated meter accuracy 0" if f.primary else "the reference model gives no range"
            out.append({"parameter": _flow_label(step, f), "reason": reason})
    out += _fixed_materials(model, materials)
    return out


def _fixed_materials(model: Model, materials: MaterialsInventory) -> list[dict[str, str]]:
    if materials.not_computed or not materials.flows:
        return []
    why = model.cell_materials.get("uncertainty", {}).get("not_varied", {})
    out = []
    for f in materials.flows:
        name = f"cell material {f.material.replace('_', ' ')}"
        if f.primary:
            out.append(
                {"parameter": f"{name} (declared supplier factor)", "reason": str(why.get("declared_factor"))}
            )
        elif not factor_distribution(model, f.material):
            out.append({"parameter": f"{name} (factor)", "reason": "no range in cell_materials.yaml"})
    out.append(
        {
            "parameter": "cell material masses (bill of materials)",
            "reason": " ".join(str(why.get("masses")).split()),
        }
    )
    return out


def _distributions(model: Model, country: str) -> str:
    sd = grid_relative_sd(model).get(country)
    grid = (
        f"grid factor {country}: normal, sd {sd * 100:.1f} % (year-to-year spread of Ember's annual values)"
        if sd
        else f"grid factor {country}: fixed (no year-to-year history)"
    )
    return (
        "meter accuracy: normal (sd = stated accuracy, else the model's default); reference-model range: "
        f"triangular (low, average, high); {grid}; natural-gas combustion CO2: triangular (IPCC 95 % "
        "interval); cell-material factors: triangular (the source's low, central, high)"
    )


def section(
    inp: FootprintInput,
    model: Model,
    inventory: list[StepInventory],
    materials: MaterialsInventory,
    country: str,
    samples: Samples,
    seed: int | None,
) -> dict[str, Any]:
    """The footprint's ``uncertainty`` object (kg CO2e per good cell)."""
    cells = inp.cells_produced
    out = samples.outputs
    order = [inv.step for inv in inventory]
    main = sum(out[s] for s in order) / cells  # fixed order: reproducible sums
    stage_values = {MAIN_PRODUCTION: main}
    if MATERIALS_ACTIVITY in out:
        stage_values = {RAW_MATERIALS: out[MATERIALS_ACTIVITY] / cells, MAIN_PRODUCTION: main}
    total = sum(stage_values.values())
    everything = sorted({i for idx in samples.stages.values() for i in idx})
    return {
        "iterations": int(len(main)),
        "seed": seed,
        "unit": "kg CO2e per cell",
        "steps": [{"step": s} | summary(out[s] / cells) for s in order],
        "stages": [{"stage": name} | summary(v) for name, v in stage_values.items()],
        "total": summary(total),
        "distributions": _distributions(model, country),
        "contributions": {
            "method": CONTRIBUTION_METHOD,
            "total": contributions(total, samples.inputs, samples.labels, everything),
            "stages": {
                name: contributions(v, samples.inputs, samples.labels, samples.stages.get(name, []))
                for name, v in stage_values.items()
            },
        },
        "fixed": fixed_parameters(model, inventory, materials, country),
    }
