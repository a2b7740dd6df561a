"""The line's foreground inventory as files other LCA tools open (``footprint --export-inventory``).

What is exported is what Brightway holds when the ``brightway`` engine solves the line: the
foreground written by :func:`liplanet_cert.lca.brightway.read_foreground` (one activity per
production step over the reporting period, its exchanges to the background suppliers with amounts,
units, uncertainty and a comment ``carrier; primary|default; note``; the materials stage activity
and any supplier-specific material activity) and the whole embedded background database
``liplanet-background-<sha>`` (a few activities, each emitting biosphere3 flows), so that a file is
complete on its own: it needs only biosphere3 (Brightway) or the reference units (openLCA).

- ``brightway-excel`` (``.xlsx``): the layout bw2io's ``ExcelImporter`` reads (that of bw2io's
  ``write_lci_excel``): one database, its foreground activities on the sheet ``foreground`` and the
  background activities on ``background``; technosphere exchanges are linked by name, unit and
  location (``link_technosphere_by_activity_hash``), biosphere exchanges to biosphere3 by name,
  categories and unit.  Activity codes are the tool's.
- ``olca-jsonld`` (``.zip``): openLCA JSON-LD written with ``olca-schema``
  (:mod:`liplanet_cert.lca.export_olca`).

Both are deterministic (sorted; stable ids; fixed timestamps) and written atomically, all targets
or none.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from liplanet_cert.errors import LCAError, Problem, UsageError
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.lca.types import FootprintInput

OPTION = "--export-inventory"
FORMATS = {"brightway-excel": ".xlsx", "olca-jsonld": ".zip"}
EXPORTED_AT = datetime(2000, 1, 1)  # fixed: the same inventory gives the same bytes
_EXC_FIELDS = ("comment", "loc", "scale", "shape", "minimum", "maximum")
_EXC_COLUMNS = (
    "name",
    "reference product",
    "amount",
    "database",
    "location",
    "unit",
    "categories",
    "type",
    "comment",
    "uncertainty type",
    "loc",
    "scale",
    "shape",
    "minimum",
    "maximum",
)
_ORDER = {"production": 0, "technosphere": 1, "biosphere": 2}


def parse_targets(specs: list[str] | None) -> list[tuple[str, Path]]:
    """``FORMAT:PATH`` or ``PATH`` (the format from its suffix: ``.xlsx``, ``.zip``), each target
    checked writable before anything is computed (:mod:`liplanet_cert.infra.targets`, as every
    output option)."""
    from liplanet_cert.infra.targets import check_distinct, split_targets

    suffixes = {s: f for f, s in FORMATS.items()}
    out = split_targets(specs, tuple(FORMATS), suffixes, option=OPTION, what="inventory")
    check_distinct(out, option=OPTION, whats="inventories")
    return out


def _ref(node: Any) -> dict[str, Any]:
    """What identifies an exchange's input: database, code, name, unit, location, categories."""
    cats = node.get("categories")
    return {
        "database": node["database"],
        "code": node["code"],
        "name": node["name"],
        "unit": node.get("unit", ""),
        "location": node.get("location"),
        "categories": tuple(cats) if cats else None,
        "reference product": node.get("reference product"),
    }


def _read_nodes(bd: Any, databases: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every activity of ``databases`` as plain data, sorted by database (as given) and code, each
    with its exchanges (production first, then technosphere, then biosphere; by input)."""
    nodes = []
    for name in databases:
        for act in sorted(bd.Database(name), key=lambda a: a["code"]):
            exchanges = []
            for exc in act.exchanges():
                data = exc.as_dict() if hasattr(exc, "as_dict") else dict(exc)
                row = {k: data[k] for k in _EXC_FIELDS if data.get(k) is not None}
                kind = data.get("uncertainty type", data.get("uncertainty_type"))
                if kind:
                    row["uncertainty type"] = int(kind)
                exchanges.append(
                    {"type": exc["type"], "amount": float(exc["amount"]), "input": _ref(exc.input)} | row
                )
            exchanges.sort(
                key=lambda e: (_ORDER.get(e["type"], 9), e["input"]["database"], e["input"]["code"])
            )
            nodes.append(
                {
                    "database": name,
                    "code": act["code"],
                    "name": act["name"],
                    "reference product": act.get("reference product"),
                    "unit": act.get("unit", ""),
                    "location": act.get("location") or "GLO",
                    "type": act.get("type", "process"),
                    "comment": act.get("comment"),
                    "data_source": act.get("data_source"),
                    "exchanges": exchanges,
                }
            )
    return nodes


def inventory_nodes(
    inp: FootprintInput, bw_dir: Path | str | None = None, model_dir: Path | None = None
) -> list[dict[str, Any]]:
    """The line's foreground and the embedded background as Brightway holds them (plain data:
    database, code, name, unit, location, type, comment, data_source, exchanges)."""
    from liplanet_cert.lca import brightway as bw
    from liplanet_cert.lca.inventory import build_inventory
    from liplanet_cert.lca.materials import build_materials
    from liplanet_cert.lca.model import load_model

    model = load_model(model_dir)
    _country, inventory = build_inventory(inp, model)
    materials = build_materials(inp, model)
    solve = None if materials.not_computed else (materials, inp.cells_produced)
    nodes = bw.read_foreground(model, inventory, _read_nodes, bw_dir, materials=solve)
    codes = [n["code"] for n in nodes]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:  # one exported database: codes must be unique across foreground and background
        raise LCAError(
            Problem("inventory export", message="activity codes in two databases", found=", ".join(dup))
        )
    return nodes


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "::".join(clean(v, oneline=True) for v in value)
    if isinstance(value, str):
        return clean(value, oneline=True)
    return value


def _exchange_row(exc: dict[str, Any], inside: set[str], database: str) -> list[Any]:
    src = exc["input"]
    row = dict(exc) | {
        "name": src["name"],
        "reference product": None if src["categories"] else src["reference product"] or src["name"],
        "database": database if src["database"] in inside else src["database"],
        "location": None if src["categories"] else src["location"],
        "unit": src["unit"],
        "categories": src["categories"],
    }
    return [_cell(row.get(c)) for c in _EXC_COLUMNS]


def excel_rows(nodes: list[dict[str, Any]], database: str) -> dict[str, list[list[Any]]]:
    """Sheet name -> rows in the layout of bw2io's ``write_lci_excel`` (one database section)."""
    inside = {n["database"] for n in nodes}
    first = nodes[0]["database"] if nodes else ""
    sheets: dict[str, list[list[Any]]] = {
        "foreground": [
            ["Database", database],
            ["format", "liplanet-cert foreground inventory with its embedded background"],
            ["biosphere", "biosphere3"],
            [],
        ],
        "background": [],
    }
    for node in nodes:
        rows = sheets["foreground" if node["database"] == first else "background"]
        rows.append(["Activity", _cell(node["name"])])
        # as bw2io's strategies assign it: exchanges link by name, reference product, unit, location
        rows.append(["reference product", _cell(node.get("reference product") or node["name"])])
        for key in ("code", "comment", "data_source", "location", "type", "unit"):
            if node.get(key) is not None:
                rows.append([key, _cell(node[key])])
        rows.append(["Exchanges"])
        rows.append(list(_EXC_COLUMNS))
        rows.extend(_exchange_row(e, inside, database) for e in node["exchanges"])
        rows.append([])
    return {k: v for k, v in sheets.items() if v}


def excel_bytes(nodes: list[dict[str, Any]], database: str) -> bytes:
    """The ``.xlsx`` file (written with xlsxwriter, as bw2io does; fixed document date)."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"created": EXPORTED_AT, "title": clean(database, oneline=True)})
    bold = book.add_format({"bold": True})
    for sheet_name, rows in excel_rows(nodes, database).items():
        sheet = book.add_worksheet(sheet_name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                style = bold if c == 0 and value in ("Database", "Activity", "Exchanges") else None
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, value, style)
                else:
                    sheet.write_string(r, c, str(value), style)
    book.close()
    return buf.getvalue()


def render(fmt: str, nodes: list[dict[str, Any]], database: str) -> bytes:
    """The bytes of one export format."""
    if fmt == "brightway-excel":
        return excel_bytes(nodes, database)
    if fmt == "olca-jsonld":
        from liplanet_cert.lca.export_olca import olca_bytes

        return olca_bytes(nodes, database)
    raise UsageError(
        Problem(OPTION, message="unknown inventory format", expected=", ".join(FORMATS), found=fmt)
    )


def export_inventory(
    inp: FootprintInput,
    targets: list[tuple[str, Path]],
    *,
    database: str,
    bw_dir: Path | str | None = None,
    model_dir: Path | None = None,
) -> list[Path]:
    """Write the line's inventory to every ``(format, path)`` target, all or none; returns the
    paths.  ``database``: the name the inventory's database gets where it is imported."""
    from liplanet_cert.infra.atomic import write_all

    if not targets:
        return []
    nodes = inventory_nodes(inp, bw_dir, model_dir)
    return write_all([(path, render(fmt, nodes, database)) for fmt, path in targets])
