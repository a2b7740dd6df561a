"""Brightway side of the user's own background (``--background PROJECT/DATABASE``, see
:mod:`liplanet_cert.lca.userbackground` for the choice, the mapping and the record): the user's
project is checked (never created), the tool's foreground is written to its own database
``liplanet-foreground`` in that project (never into the user's databases), linked to the user's
activities, and solved with bw2calc.  Brightway is imported only inside these functions; the
user's Brightway directory is held under the same lock file as the tool's own
(``<dir>/.liplanet.lock``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.brightway import FOREGROUND, _bw, _state, quiet
from liplanet_cert.lca.bwdir import locked, resolve_bw_dir
from liplanet_cert.lca.contribution import CO2E_AS_CO2, supplier_specific_name
from liplanet_cert.lca.materials import MATERIALS_ACTIVITY, MaterialsInventory
from liplanet_cert.lca.model import Model
from liplanet_cert.lca.types import StepInventory


def _user_project_exists(spec: Any) -> None:
    """The user's project must already exist in their Brightway directory (read from its
    ``projects.db`` without bw2data, which would create it): else a :class:`UsageError`, exit 2."""
    import sqlite3

    from liplanet_cert.errors import UsageError

    names: set[str] = set()
    db = spec.bw_dir / "projects.db"
    if db.is_file():
        try:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
                names = {r[0] for r in con.execute("SELECT name FROM projectdataset")}
        except sqlite3.Error:
            names = set()
    if spec.project not in names:
        raise UsageError(
            Problem(
                str(spec.bw_dir),
                message=f"no Brightway project {spec.project!r} in this directory (BRIGHTWAY2_DIR)",
                expected="an existing project (the tool never creates one here): "
                + (", ".join(sorted(names)[:20]) or "none found"),
                found=spec.project,
            )
        )
    if not os.access(spec.bw_dir, os.W_OK):
        raise UsageError(
            Problem(
                str(spec.bw_dir),
                message="the Brightway directory cannot be written (the tool's foreground goes there)",
            )
        )


def _user_bw(spec: Any, bw_dir: Path | str | None) -> tuple[Any, Any]:
    """bw2data/bw2calc switched to the user's directory and project (bw2data is first imported
    on the tool's own directory, so that importing it creates nothing in the user's)."""
    bd, bc = _bw(resolve_bw_dir(bw_dir))
    with quiet():
        bd.projects.change_base_directories(spec.bw_dir, project_name=spec.project, update=False)
    _state["dir"] = spec.bw_dir  # the next _bw() switches back to the tool's own directory
    return bd, bc


def _user_activities(bd: Any, spec: Any, model: Model, names: set[str]) -> list[dict[str, Any]]:
    """The activities of the user's database with one of ``names`` (read, never written); the
    database and the method must be there."""
    from bw2data.backends import ActivityDataset as AD

    from liplanet_cert.errors import UsageError

    if spec.database not in bd.databases or spec.database == FOREGROUND:
        raise UsageError(
            Problem(
                f"background {spec.label}",
                message=f"no database {spec.database!r} in project {spec.project!r}",
                expected=", ".join(sorted(d for d in bd.databases if d != FOREGROUND)[:20]) or "a database",
                found=spec.database,
            )
        )
    if model.method not in bd.methods:
        raise UsageError(
            Problem(
                f"background {spec.label}",
                message=f"the project lacks the LCIA method {' / '.join(model.method)}",
                expected="the method installed in the project (bw2io.create_default_lcia_methods() "
                "or bw2io.bw2setup(), or the LCIA methods of your ecoinvent import)",
            )
        )
    rows = AD.select().where((AD.database == spec.database) & (AD.name << sorted(names)))
    return [
        {
            "name": r.name,
            "reference product": r.data.get("reference product", r.product),
            "location": r.location,
            "unit": r.data.get("unit"),
            "code": r.code,
            "id": r.id,
            "key": (r.database, r.code),
        }
        for r in rows
    ]


def _user_co2(bd: Any, model: Model) -> tuple[tuple[str, str], float]:
    """The user's 'Carbon dioxide, fossil' (air) flow and its factor in the method: the embedded
    defaults and declared material factors enter as that mass of CO2 (kg CO2e / factor)."""
    from bw2data.backends import ActivityDataset as AD

    cfs: dict[Any, float] = {}
    for row in bd.Method(model.method).load():
        flow = row[0]
        cfs[tuple(flow) if isinstance(flow, list | tuple) else flow] = float(row[1])
    for r in AD.select().where(AD.name == "Carbon dioxide, fossil"):
        cf = cfs.get(r.id, cfs.get((r.database, r.code)))
        if tuple(r.data.get("categories", ())) == ("air",) and cf:
            return (r.database, r.code), cf
    raise LCAError(
        Problem(
            f"method {' / '.join(model.method)}",
            message="no factor for 'Carbon dioxide, fossil' (air) in the user's project",
            expected="the flow characterised by the method (needed for embedded and declared factors)",
        )
    )


def _emitter(key: tuple[str, str], name: str, unit: str, co2: Any, kg: float) -> dict[str, Any]:
    return {
        "name": name,
        "unit": unit,
        "location": "GLO",
        "type": "process",
        "exchanges": [
            {"input": key, "amount": 1.0, "type": "production"},
            {"input": co2[0], "amount": kg / co2[1], "type": "biosphere"},
        ],
    }


def _user_foreground(
    bd: Any,
    inventory: list[StepInventory],
    materials: tuple[MaterialsInventory, float] | None,
    links: dict[str, tuple[tuple[str, str], float]],
    emitters: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, int]:
    """(Re)write the tool's foreground database in the user's project: one activity per step
    and the materials stage, linked by ``links`` (need -> (activity key, conversion))."""
    from liplanet_cert.errors import UsageError

    def activity(code: str, unit: str, flows: list[tuple[str, float, str]]) -> dict[str, Any]:
        exc = [{"input": (FOREGROUND, code), "amount": 1.0, "type": "production"}]
        for supplier, amount, comment in flows:
            key, conv = links[supplier]
            exc.append({"input": key, "amount": amount * conv, "type": "technosphere", "comment": comment})
        return {"name": code, "unit": unit, "location": "GLO", "type": "process", "exchanges": exc}

    data = dict(emitters)
    for inv in inventory:
        flows = [
            (f.supplier, f.amount, f"{f.carrier}; {'primary' if f.primary else 'default'}") for f in inv.flows
        ]
        data[(FOREGROUND, inv.step)] = activity(inv.step, "reporting period", flows)
    if materials is not None:
        inv_m, cells = materials
        flows = [(f.supplier, f.kg_per_cell * cells, f.material) for f in inv_m.flows]
        data[(FOREGROUND, MATERIALS_ACTIVITY)] = activity(MATERIALS_ACTIVITY, "reporting period", flows)
    with quiet():
        meta = bd.databases[FOREGROUND] if FOREGROUND in bd.databases else None
        if meta is not None and not meta.get("liplanet_cert"):
            raise UsageError(
                Problem(
                    f"database {FOREGROUND!r}",
                    message="a database of this name exists in the project and was not written by liplanet-cert",
                    expected="the name free for the tool's foreground (rename yours)",
                )
            )
        db = bd.Database(FOREGROUND)
        if meta is None:
            db.register(liplanet_cert="the tool's foreground, rewritten on every run")
        db.write(data)
        return {a["code"]: a.id for a in db}


def _user_solve(
    bc: Any,
    model: Model,
    ids: dict[str, int],
    wanted: set[str],
    unit_demand: dict[str, dict[int, float]],
    per_material: dict[str, dict[int, float]],
) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    """(kg CO2e per step, kg CO2e per unit of each need, the contribution grids) solved by
    bw2calc in the user's project: each step and each material (``per_material``: material ->
    its demand) on its own, its characterised inventory read as it is solved."""
    from liplanet_cert.lca import contribution

    with quiet():
        lca = bc.LCA({ids[s]: 1.0 for s in wanted}, method=model.method)
        lca.lci()
        lca.lcia()
        col, row, _names = contribution.labels(lca, located=True)
        scores, impacts, steps, mats = {}, {}, {}, {}
        for step in sorted(wanted):
            lca.lcia({ids[step]: 1.0})
            scores[step] = float(lca.score)
            if step != MATERIALS_ACTIVITY:
                steps[step] = contribution.cells(lca, col, row)
        for material, demand in sorted(per_material.items()):
            lca.lcia(demand)
            mats[material] = contribution.cells(lca, col, row)
        for need, demand in sorted(unit_demand.items()):
            lca.lcia(demand)
            impacts[need] = float(lca.score)
    return scores, impacts, contribution.user_grids(steps, mats)


def _material_demands(
    materials: tuple[MaterialsInventory, float] | None,
    links: dict[str, tuple[tuple[str, str], float]],
    node: dict[tuple[str, str], int],
) -> dict[str, dict[int, float]]:
    """Material -> its demand over the period on the linked activity (for its contributions)."""
    if materials is None:
        return {}
    inv, cells = materials
    out: dict[str, dict[int, float]] = {}
    for f in inv.flows:
        key, conv = links[f.supplier]
        demand = out.setdefault(f.material, {})
        demand[node[key]] = demand.get(node[key], 0.0) + f.kg_per_cell * cells * conv
    return out


def user_background_scores(
    model: Model,
    inventory: list[StepInventory],
    materials: tuple[MaterialsInventory, float] | None,
    spec: Any,
    embedded: dict[str, float],
    bw_dir: Path | str | None = None,
) -> tuple[dict[str, float], dict[str, float], dict[str, Any], dict[str, Any]]:
    """The footprint on the user's background ``spec`` (a :class:`~liplanet_cert.lca.userbackground.
    BackgroundSpec`): (kg CO2e per unit of each need, kg CO2e per step and ``MATERIALS_ACTIVITY``
    over the period, the record of the background used, the contribution grids per stage).  ``embedded`` are the embedded unit
    impacts (for needs the user allows to stay embedded).  Nothing of the user's databases is
    written: the foreground goes to the tool's own database in the user's project."""
    from liplanet_cert.lca import userbackground as ub

    mapping = ub.load_mapping(spec.mapping_file)
    declared = [f for f in materials[0].flows if f.primary] if materials else []
    needs = sorted(
        {f.supplier for inv in inventory for f in inv.flows}
        | ({f.supplier for f in materials[0].flows if not f.primary} if materials else set())
    )
    names = {mapping.needs[n]["name"] for n in needs if n in mapping.needs}
    _user_project_exists(spec)
    with locked(spec.bw_dir):
        bd, bc = _user_bw(spec, bw_dir)
        acts = _user_activities(bd, spec, model, names)
        matched, unmatched = ub.match_needs(needs, mapping, acts, spec.database)
        if unmatched and not spec.allow_embedded:
            raise ub.unmatched_error(spec, unmatched)
        links = {n: (a["key"], a["conversion"]) for n, a in matched.items()}
        emitters: dict[tuple[str, str], dict[str, Any]] = {}
        if unmatched or declared:
            co2 = _user_co2(bd, model)
            for need in unmatched:
                key = (FOREGROUND, f"embedded|{need}")
                links[need] = (key, 1.0)
                unit = ub.need_unit(need)
                emitters[key] = _emitter(
                    key, f"{need}, embedded default {CO2E_AS_CO2}", unit, co2, embedded[need]
                )
            for f in declared:
                key = (FOREGROUND, f.supplier)
                links[f.supplier] = (key, 1.0)
                emitters[key] = _emitter(
                    key, supplier_specific_name(f.material), "kilogram", co2, f.kg_co2e_per_kg
                )
        ids = _user_foreground(bd, inventory, materials, links, emitters)
        wanted = {inv.step for inv in inventory} | ({MATERIALS_ACTIVITY} if materials else set())
        unit_demand = {n: {a["id"]: a["conversion"]} for n, a in matched.items()}
        node = {a["key"]: a["id"] for a in matched.values()} | {(FOREGROUND, c): i for c, i in ids.items()}
        per_material = _material_demands(materials, links, node)
        scores, impacts, grids = _user_solve(bc, model, ids, wanted, unit_demand, per_material)
        meta = ub.database_metadata(dict(bd.databases[spec.database]), len(bd.Database(spec.database)))
    impacts |= {n: embedded[n] for n in unmatched}
    record = {
        "project": spec.project,
        "database": spec.database,
        "database_metadata": meta,
        "foreground_database": FOREGROUND,
        "mapping": mapping.record(),
        "needs": {n: ub.need_record(matched.get(n), embedded.get(n)) for n in needs},
    }
    return impacts, scores, record, grids
