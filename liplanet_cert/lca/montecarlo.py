"""Monte Carlo of the footprint with bw2calc's stochastic matrices (``footprint --uncertainty``).

The foreground (every step, and the raw-material stage when it is computed) is written to the
Brightway project and sampled there: each resource group draws from its own seed, spawned from the
run's seed, so that the same seed gives the same numbers.  Besides each activity's kg CO2e per
iteration, the value every *varied* input (an exchange with a stats_arrays distribution that the
footprint uses) took in that iteration is read back from the matrices (``input_data_vector``),
labelled readably and marked with the stages it feeds: the contribution analysis
(:mod:`liplanet_cert.lca.uncertainty`) correlates them with the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liplanet_cert.lca.brightway import _background_name, _bw, _foreground, quiet, setup
from liplanet_cert.lca.bwdir import locked, resolve_bw_dir
from liplanet_cert.lca.materials import MATERIALS_ACTIVITY, MaterialsInventory
from liplanet_cert.lca.model import Model
from liplanet_cert.lca.types import MAIN_PRODUCTION, RAW_MATERIALS, StepInventory

_CARRIER_TEXT = {"electricity": "electricity", "heat": "natural gas"}


@dataclass(frozen=True)
class Samples:
    """What one Monte Carlo run drew.

    ``outputs``: activity (a step id, or ``MATERIALS_ACTIVITY``) -> kg CO2e over the period per
    iteration; ``inputs``: (iterations x k) sampled values of the k varied inputs, ``labels`` their
    names, ``stages`` per stage name the indices of the inputs that feed it."""

    outputs: dict[str, Any]
    inputs: Any
    labels: list[str]
    stages: dict[str, list[int]] = field(default_factory=dict)


def monte_carlo(
    model: Model,
    inventory: list[StepInventory],
    iterations: int,
    seed: int | None,
    bw_dir: Path | str | None = None,
    materials: tuple[MaterialsInventory, float] | None = None,
) -> Samples:
    """Sample the steps (and the materials stage, given its inventory and the cells over the
    period) ``iterations`` times; ``seed`` makes the draws reproducible."""
    path = resolve_bw_dir(bw_dir)
    with locked(path):  # the foreground is one database: one process writes and samples it at a time
        return _run(model, inventory, iterations, seed, path, materials)


def _reseed(lca: Any, seed: int | None) -> None:
    """Give every stochastic resource group its own generator, seeded from ``seed``."""
    import numpy as np
    from stats_arrays import MCRandomNumberGenerator

    groups = [
        g
        for mm in (lca.technosphere_mm, lca.biosphere_mm, lca.characterization_mm)
        for g in mm.groups
        if g.has_distributions
    ]
    seeds = (
        np.random.SeedSequence(seed).generate_state(len(groups)) if seed is not None else [None] * len(groups)
    )
    for g, s in zip(groups, seeds):
        g.rng = MCRandomNumberGenerator(params=g.data_original, seed=None if s is None else int(s))


def _label_technosphere(code: str, supplier: str, flows: dict[tuple[str, str], Any]) -> str:
    """A foreground amount: '<step> <carrier> (metered amount)' or '(reference-model amount)'."""
    f = flows.get((code, supplier))
    if f is None:
        return f"{code} input {supplier} (amount)"
    what = _CARRIER_TEXT.get(f.carrier) or supplier.split("|", 1)[-1]
    return f"{code} {what} ({'metered' if f.primary else 'reference-model'} amount)"


def _label_biosphere(code: str, flow: str) -> str:
    """A background factor: 'grid electricity DEU (factor)', 'cell material ... (factor)'."""
    kind, _, name = code.partition("|")
    if kind == "electricity":
        return f"grid electricity {name} (factor)"
    if kind == "heat" and name == "natural_gas":
        return "natural-gas combustion CO2 (factor)" if "dioxide" in flow else f"natural-gas {flow} (factor)"
    if kind == "cell_material":
        return f"cell material {name.replace('_', ' ')} (factor)"
    return f"{code} {flow} (factor)"


def _inputs(lca: Any, names: dict[int, str], flows: dict[tuple[str, str], Any], used: dict[str, Any]) -> Any:
    """(per matrix the positions of its varied, used inputs and their signs; their labels; stage
    -> input indices).

    ``names``: node id -> activity code; ``used``: stage -> supply vector of that stage."""
    import numpy as np

    picks, labels, stages = [], [], {s: [] for s in used}
    bio_names = {i: "carbon dioxide" if "dioxide" in n.lower() else n for i, n in _bio_names(lca).items()}
    for mm, kind in ((lca.technosphere_mm, "t"), (lca.biosphere_mm, "b")):
        varied = np.flatnonzero(mm.input_uncertainties()["uncertainty_type"] > 1)
        rc = mm.input_row_col_indices()
        keep = []
        for k in varied:
            row, col = int(rc["row"][k]), int(rc["col"][k])
            feeds = [s for s, x in used.items() if x[col] != 0]
            if not feeds:
                continue
            consumer = names[lca.dicts.activity.reversed[col]]
            if kind == "t":
                labels.append(_label_technosphere(consumer, names[lca.dicts.product.reversed[row]], flows))
            else:
                labels.append(_label_biosphere(consumer, bio_names[lca.dicts.biosphere.reversed[row]]))
            for s in feeds:
                stages[s].append(len(labels) - 1)
            keep.append(k)
        keep_at = np.asarray(keep, dtype=int)
        # technosphere inputs are stored negated (flipped): give back the amount drawn
        picks.append((keep_at, np.where(mm.input_flip_vector()[keep_at], -1.0, 1.0)))
    return picks, labels, stages


def _bio_names(lca: Any) -> dict[int, str]:
    from bw2data.backends import ActivityDataset as AD

    ids = list(lca.dicts.biosphere)
    return {r.id: r.name for r in AD.select(AD.id, AD.name).where(AD.id.in_(ids))}


def _run(
    model: Model,
    inventory: list[StepInventory],
    iterations: int,
    seed: int | None,
    path: Path,
    materials: tuple[MaterialsInventory, float] | None,
) -> Samples:
    import numpy as np

    setup(model, path)
    bd, bc = _bw(path)
    ids = _foreground(bd, model, inventory, materials)
    with quiet():
        names = {a.id: a["code"] for a in bd.Database(_background_name(model))}
        names.update({v: k for k, v in ids.items()})
        lca = bc.LCA(
            {i: 1.0 for i in ids.values()}, method=model.method, use_distributions=True, seed_override=seed
        )
        lca.load_lci_data()
        lca.load_lcia_data()
        _reseed(lca, seed)
        acts = [inv.step for inv in inventory] + ([MATERIALS_ACTIVITY] if materials is not None else [])
        cols = [lca.dicts.activity[ids[s]] for s in acts]
        rhs = np.zeros((lca.technosphere_matrix.shape[0], len(cols)))
        rhs[cols, range(len(cols))] = 1.0
        x = np.linalg.solve(lca.technosphere_matrix.toarray(), rhs)
        n_steps = len(inventory)
        used = {MAIN_PRODUCTION: np.abs(x[:, :n_steps]).sum(axis=1)}
        if materials is not None:
            used[RAW_MATERIALS] = np.abs(x[:, n_steps])
        used = {s: np.where(v > 1e-12 * (v.max() or 1.0), v, 0.0) for s, v in used.items()}
        flows = {(inv.step, f.supplier): f for inv in inventory for f in inv.flows}
        picks, labels, stages = _inputs(lca, names, flows, used)
        mms = (lca.technosphere_mm, lca.biosphere_mm)
        samples = np.empty((iterations, len(acts)))
        drawn = np.empty((iterations, len(labels)))
        for k in range(iterations):
            next(lca)
            q = np.asarray((lca.characterization_matrix @ lca.biosphere_matrix).sum(axis=0)).ravel()
            samples[k] = q @ np.linalg.solve(lca.technosphere_matrix.toarray(), rhs)
            drawn[k] = np.concatenate([mm.input_data_vector()[p] * sign for mm, (p, sign) in zip(mms, picks)])
    return Samples({a: samples[:, j] for j, a in enumerate(acts)}, drawn, labels, stages)
