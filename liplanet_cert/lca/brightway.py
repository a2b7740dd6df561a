"""Brightway side of the footprint: project setup, background database, writing the unit-impact
cache and the per-step foreground (the directory, its lock and reading the cache:
:mod:`liplanet_cert.lca.bwdir`; the Monte Carlo: :mod:`liplanet_cert.lca.montecarlo`).  The
background carries the sourced distributions of its factors: grid electricity normal with the
source's year-to-year spread, natural-gas combustion CO2 and the cell materials triangular.

Brightway (bw2data, bw2calc, bw2io) is imported only inside these functions.  The project lives in
``bw_dir`` (option), else ``$LIPLANET_BW_DIR``, else the user data directory.  Everything
Brightway prints (progress bars, structlog lines, the pypardiso warning) is swallowed.

Concurrent processes on one Brightway directory (two ``footprint --uncertainty`` runs, a batch and a
footprint) are safe: every use of Brightway itself — the set-up (project, biosphere, method,
background database, unit-impact cache) and the per-bundle foreground that the ``brightway``
engine and Monte Carlo write — runs under an exclusive lock on ``<bw_dir>/.liplanet.lock``
(``fcntl.flock``: released by the kernel when a process ends, even when killed).  The set-up is
checked again once the lock is held, so a process that waited for another one's set-up only reads
it.  The fast engine reads the unit-impact cache (written atomically) without any lock.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.infra.atomic import write_text
from liplanet_cert.lca import contribution
from liplanet_cert.lca.bwdir import (
    CACHE_FORMAT,
    cache_path,
    locked,
    read_cache,
    resolve_bw_dir,
    usable_bw_dir,
)
from liplanet_cert.lca.materials import MATERIALS_ACTIVITY, MaterialsInventory, factor_distribution
from liplanet_cert.lca.model import Model, gas_factors
from liplanet_cert.lca.types import StepInventory

PROJECT = "liplanet-cert"
FOREGROUND = "liplanet-foreground"
_state: dict[str, Any] = {"dir": None}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow Brightway's console output and warnings."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def _bw(bw_dir: Path) -> tuple[Any, Any]:
    """Import bw2data/bw2calc for ``bw_dir`` and select the project; returns (bd, bc)."""
    usable_bw_dir(bw_dir)
    with quiet():
        if _state["dir"] is None:
            os.environ["BRIGHTWAY2_DIR"] = str(bw_dir)
            import bw2calc as bc
            import bw2data as bd

            if Path(bd.projects._base_data_dir).resolve() != bw_dir:  # imported earlier elsewhere
                bd.projects.change_base_directories(bw_dir, project_name=PROJECT)
        else:
            import bw2calc as bc
            import bw2data as bd

            if _state["dir"] != bw_dir:
                bd.projects.change_base_directories(bw_dir, project_name=PROJECT)
        _state["dir"] = bw_dir
        bd.projects.set_current(PROJECT)
    return bd, bc


def _method_data(name: tuple[str, ...]) -> tuple[dict[str, Any], list[tuple[tuple[str, str], float]]]:
    """The one method from bw2io's bundled LCIA zip, flow keys as tuples."""
    import bw2io

    path = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
    with zipfile.ZipFile(path) as archive:
        methods = json.loads(archive.read("data.json"))
    for m in methods:
        if tuple(m["name"]) == name:
            cfs = [(tuple(e["input"]), float(e["amount"])) for e in m["exchanges"]]
            return m, cfs
    raise LCAError(
        Problem(file=str(path), message="LCIA method not found in bw2io data", expected=" / ".join(name))
    )


def _flow(bd: Any, name: str) -> tuple[str, str]:
    """Key of the biosphere3 flow ``name`` emitted to air, unspecified compartment."""
    from bw2data.backends import ActivityDataset as AD

    for row in AD.select().where((AD.database == "biosphere3") & (AD.name == name)):
        if tuple(row.data.get("categories", ())) == ("air",):
            return ("biosphere3", row.code)
    raise LCAError(Problem(file="biosphere3", message=f"flow {name!r} (air) not found"))


def _background_name(model: Model) -> str:
    return f"liplanet-background-{model.sha256[:12]}"


def grid_relative_sd(model: Model) -> dict[str, float]:
    """Country -> relative standard deviation of its grid factor (the year-to-year spread of the
    source, ``background.yaml`` electricity/uncertainty); a country without history is absent."""
    rows = model.background["electricity"]["uncertainty"].get("countries") or {}
    return {c: float(v["relative_sd"]) for c, v in rows.items() if float(v.get("relative_sd", 0)) > 0}


def _background(bd: Any, model: Model) -> dict[tuple[str, str], dict[str, Any]]:
    """Background activities: one per supplier code, linked to biosphere3 flows."""
    db = _background_name(model)
    co2, ch4, n2o = (
        _flow(bd, "Carbon dioxide, fossil"),
        _flow(bd, "Methane, fossil"),
        _flow(bd, "Dinitrogen monoxide"),
    )
    grid_sd = grid_relative_sd(model)
    data: dict[tuple[str, str], dict[str, Any]] = {}

    def act(code: str, unit: str, exchanges: list[dict[str, Any]], name: str) -> None:
        prod = {"input": (db, code), "amount": 1.0, "type": "production"}
        data[(db, code)] = {
            "name": name,
            "unit": unit,
            "location": "GLO",
            "type": "process",
            "exchanges": [prod] + exchanges,
        }

    for code, factor in model.suppliers().items():
        exc: dict[str, Any] = {"input": co2, "amount": factor, "type": "biosphere"}
        kind, _, name = code.partition("|")
        if kind == "electricity" and name in model.background["electricity"]["countries"]:
            if grid_sd.get(name):  # normal, sigma = the source's year-to-year spread
                exc.update(uncertainty_type=3, loc=factor, scale=grid_sd[name] * factor)
            act(code, "kilowatt hour", [exc], f"grid electricity {name} {contribution.CO2E_AS_CO2}")
        else:
            if kind == "cell_material":  # triangular over the data file's range
                exc.update(factor_distribution(model, name))
            act(
                code,
                "kilogram" if kind in ("material", "cell_material") else "kilowatt hour",
                [exc],
                f"{code} {contribution.CO2E_AS_CO2}",
            )
    g = gas_factors(model)
    act(
        "supply|natural_gas_upstream",
        "kilowatt hour",
        [{"input": co2, "amount": g["upstream"], "type": "biosphere"}],
        f"natural gas supply chain {contribution.CO2E_AS_CO2}",
    )
    act(
        "heat|natural_gas",
        "kilowatt hour",
        [
            {
                "input": co2,
                "amount": g["co2"],
                "type": "biosphere",
                "uncertainty_type": 5,
                "loc": g["co2"],
                "minimum": g["co2_low"],
                "maximum": g["co2_high"],
            },
            {"input": ch4, "amount": g["ch4"], "type": "biosphere"},
            {"input": n2o, "amount": g["n2o"], "type": "biosphere"},
            {"input": (db, "supply|natural_gas_upstream"), "amount": 1.0, "type": "technosphere"},
        ],
        "natural gas, burned in industrial furnace (per kWh of fuel)",
    )
    return data


def setup(model: Model, bw_dir: Path | str | None = None) -> dict[str, float]:
    """Make sure biosphere3, the method and the background exist; compute and cache unit impacts.

    Returns the unit impacts (kg CO2e per unit of each background supplier), computed by bw2calc.
    """
    path = resolve_bw_dir(bw_dir)
    cached = read_cache(path, model)
    if cached is not None:
        return cached
    with locked(path):
        cached = read_cache(path, model)  # set up by another process while this one waited
        if cached is not None:
            return cached
        return _setup(model, path)


def _setup(model: Model, path: Path) -> dict[str, float]:
    bd, bc = _bw(path)
    with quiet():
        if "biosphere3" not in bd.databases:
            import bw2io

            bw2io.create_default_biosphere3()
        if model.method not in bd.methods:
            from bw2data.backends import ActivityDataset as AD

            meta, cfs = _method_data(model.method)
            present = {r.code for r in AD.select(AD.code).where(AD.database == "biosphere3")}
            method = bd.Method(model.method)
            method.register(
                unit=meta.get("unit", "kg CO2-Eq"),
                description="Loaded by liplanet-cert from bw2io lcia_39_ecoinvent.zip",
                filename=meta.get("filename", ""),
            )
            method.write([(k, cf) for k, cf in cfs if k[0] == "biosphere3" and k[1] in present])
        name = _background_name(model)
        if name not in bd.databases:
            bd.Database(name).write(_background(bd, model))
        nodes = {a["code"]: a.id for a in bd.Database(name)}
        lca = bc.LCA({i: 1.0 for i in nodes.values()}, method=model.method)
        lca.lci()
        lca.lcia()
        col, row, names = contribution.labels(lca)
        impacts, characterized = {}, {}
        for code, node_id in sorted(nodes.items()):
            lca.lcia({node_id: 1.0})
            impacts[code] = float(lca.score)
            characterized[code] = contribution.cells(lca, col, row)
    payload = {
        "format": CACHE_FORMAT,
        "model_sha256": model.sha256,
        "method": list(model.method),
        "unit_impacts": impacts,
        "characterized": characterized,
        "process_names": names,
        "note": "kg CO2e per unit of each background supplier, computed with bw2calc; characterized: "
        "its characterised inventory (background process -> elementary flow -> kg CO2e per unit)",
    }
    write_text(cache_path(path, model), json.dumps(payload, indent=1, sort_keys=True))
    return impacts


def _materials_foreground(
    bd: Any, model: Model, materials: tuple[MaterialsInventory, float]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The materials stage: one activity drawing each material over the period (kg) from the
    background (default factor) or from a foreground activity emitting the declared factor as CO2."""
    inv, cells = materials
    bg = _background_name(model)
    co2 = _flow(bd, "Carbon dioxide, fossil")
    data: dict[tuple[str, str], dict[str, Any]] = {}
    exchanges: list[dict[str, Any]] = [
        {"input": (FOREGROUND, MATERIALS_ACTIVITY), "amount": 1.0, "type": "production"}
    ]
    for f in inv.flows:
        if f.primary:
            data[(FOREGROUND, f.supplier)] = {
                "name": contribution.supplier_specific_name(f.material),
                "unit": "kilogram",
                "location": "GLO",
                "type": "process",
                "comment": f.source,
                "exchanges": [
                    {"input": (FOREGROUND, f.supplier), "amount": 1.0, "type": "production"},
                    {"input": co2, "amount": f.kg_co2e_per_kg, "type": "biosphere"},
                ],
            }
        supplier = (FOREGROUND, f.supplier) if f.primary else (bg, f.supplier)
        exchanges.append(
            {
                "input": supplier,
                "amount": f.kg_per_cell * cells,
                "type": "technosphere",
                "comment": f.material,
            }
        )
    data[(FOREGROUND, MATERIALS_ACTIVITY)] = {
        "name": "raw material acquisition and pre-processing (cell materials)",
        "unit": "reporting period",
        "location": "GLO",
        "type": "process",
        "exchanges": exchanges,
    }
    return data


def _foreground(
    bd: Any,
    model: Model,
    inventory: list[StepInventory],
    materials: tuple[MaterialsInventory, float] | None = None,
) -> dict[str, int]:
    """(Re)write the foreground: one activity per step, linked to the background, and the
    materials stage when given (its inventory and the cells over the period)."""
    bg = _background_name(model)
    data: dict[tuple[str, str], dict[str, Any]] = {}
    for inv in inventory:
        exchanges = [{"input": (FOREGROUND, inv.step), "amount": 1.0, "type": "production"}]
        for f in inv.flows:
            exc: dict[str, Any] = {
                "input": (bg, f.supplier),
                "amount": f.amount,
                "type": "technosphere",
                "comment": f"{f.carrier}; {'primary' if f.primary else 'default'}; {f.note}",
            }
            exc.update(f.uncertainty)
            exchanges.append(exc)
        data[(FOREGROUND, inv.step)] = {
            "name": inv.step,
            "unit": "reporting period",
            "location": "GLO",
            "type": "process",
            "data_source": inv.data_source,
            "exchanges": exchanges,
        }
    if materials is not None:
        data.update(_materials_foreground(bd, model, materials))
    with quiet():
        db = bd.Database(FOREGROUND)
        db.write(data)
        return {a["code"]: a.id for a in db}


def brightway_step_scores(
    model: Model,
    inventory: list[StepInventory],
    bw_dir: Path | str | None = None,
    materials: tuple[MaterialsInventory, float] | None = None,
    characterized: dict[str, Any] | None = None,
) -> dict[str, float]:
    """kg CO2e over the period per step, each step solved by bw2calc (the source of truth); with
    ``materials`` (the stage's inventory and the cells over the period) also the materials stage,
    under the key ``MATERIALS_ACTIVITY``.  ``characterized`` (a dict) receives each of those
    activities' characterised inventory (:func:`liplanet_cert.lca.contribution.cells`)."""
    path = resolve_bw_dir(bw_dir)
    with locked(path):  # the foreground is one database: one process writes and solves it at a time
        setup(model, path)
        bd, bc = _bw(path)
        wanted = {inv.step for inv in inventory} | {MATERIALS_ACTIVITY}
        ids = {k: v for k, v in _foreground(bd, model, inventory, materials).items() if k in wanted}
        with quiet():
            lca = bc.LCA({i: 1.0 for i in ids.values()}, method=model.method)
            lca.lci()
            lca.lcia()
            scores = {}
            col, row, _ = contribution.labels(lca) if characterized is not None else ({}, {}, {})
            for step, node_id in ids.items():
                lca.lcia({node_id: 1.0})
                scores[step] = float(lca.score)
                if characterized is not None:
                    characterized[step] = contribution.cells(lca, col, row)
    return scores


def read_foreground(
    model: Model,
    inventory: list[StepInventory],
    read: Callable[[Any, tuple[str, str]], Any],
    bw_dir: Path | str | None = None,
    materials: tuple[MaterialsInventory, float] | None = None,
) -> Any:
    """Write the foreground as the ``brightway`` engine does, then ``read(bd, (foreground database,
    background database))`` while the lock is still held (what the inventory export reads)."""
    path = resolve_bw_dir(bw_dir)
    with locked(path):
        setup(model, path)
        bd, _bc = _bw(path)
        _foreground(bd, model, inventory, materials)
        with quiet():
            return read(bd, (FOREGROUND, _background_name(model)))
