"""The inventory export as an openLCA JSON-LD zip, written with the maintained ``olca-schema``
package (the objects are ``olca_schema`` classes; the zip has the layout of its ``zipio.ZipWriter``:
``olca-schema.json`` and ``<folder>/<@id>.json``, read back by ``zipio.ZipReader``).

- one process per activity (the line's steps, the materials stage, supplier-specific materials and
  the embedded background), each with one quantitative reference: its product flow, 1 unit out;
- a product flow per process; technosphere exchanges are inputs of the supplier's product flow with
  the supplier process as default provider;
- elementary flows for the biosphere3 flows used (CO2, CH4, N2O), ``@id`` = the biosphere3 code
  (the ecoinvent elementary-flow UUID), category ``Elementary flows/<categories>``;
- units, unit groups and flow properties: openLCA's reference data, by the UUIDs olca-schema ships
  (``olca_schema/units/units.csv``); the groups and properties used are written into the zip too,
  so that the file imports into an empty database (openLCA keeps its own copy when it has one).
  "reporting period" (a step over the period) is one item of ``Number of items``;
- uncertainty (stats_arrays normal, lognormal, triangular, uniform) as openLCA distributions.

Ids are uuid5 of a fixed namespace and ``<database>/<code>``; ``lastChange`` is fixed: the same
inventory gives the same bytes.
"""

from __future__ import annotations

import io
import json
import math
import uuid
import zipfile
from typing import Any

from liplanet_cert.errors import LCAError, Problem

NAMESPACE = uuid.UUID("5b0c6d1e-8f53-4b8e-9a0e-2f1c3d4e5a61")  # liplanet-cert inventory export
LAST_CHANGE = "2000-01-01T00:00:00+00:00"
UNITS = {"kilogram": "kg", "kilowatt hour": "kWh", "reporting period": "Item(s)"}
# openLCA reference unit groups: (reference unit, other units used here with their factor to it)
_GROUPS = {"kg": ("kg", {}), "kWh": ("MJ", {"kWh": 3.6}), "Item(s)": ("Item(s)", {})}  # 1 kWh = 3.6 MJ
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_FOLDERS = {
    "Process": "processes",
    "Flow": "flows",
    "Location": "locations",
    "UnitGroup": "unit_groups",
    "FlowProperty": "flow_properties",
}


def folder(entity: Any) -> str:
    """The zip folder of an entity (as olca-schema's ZipWriter names it)."""
    return _FOLDERS[type(entity).__name__]


def uid(*parts: str) -> str:
    """The stable ``@id`` of ``parts`` (uuid5 in the export's namespace)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _unit(name: str, where: str) -> str:
    if name not in UNITS:
        raise LCAError(
            Problem(
                where, message="unit without an openLCA equivalent", expected=", ".join(UNITS), found=name
            )
        )
    return UNITS[name]


def _unit_entities(symbols: set[str]) -> list[Any]:
    """The unit groups and flow properties of ``symbols``, with openLCA's reference UUIDs."""
    import olca_schema as o
    from olca_schema import units

    out: list[Any] = []
    for symbol in sorted(symbols):
        ref_unit, others = _GROUPS[symbol]
        group, prop = units.group_ref(symbol), units.property_ref(symbol)
        members = [
            o.Unit(id=units.unit_ref(ref_unit).id, name=ref_unit, conversion_factor=1.0, is_ref_unit=True)
        ]
        members += [
            o.Unit(id=units.unit_ref(s).id, name=s, conversion_factor=f, is_ref_unit=False)
            for s, f in sorted(others.items())
        ]
        out.append(
            o.UnitGroup(
                id=group.id,
                name=group.name,
                units=members,
                default_flow_property=prop,
                last_change=LAST_CHANGE,
            )
        )
        out.append(
            o.FlowProperty(
                id=prop.id,
                name=prop.name,
                unit_group=group,
                flow_property_type=o.FlowPropertyType.PHYSICAL_QUANTITY,
                last_change=LAST_CHANGE,
            )
        )
    return out


def _uncertainty(exc: dict[str, Any]) -> Any:
    import olca_schema as o

    kind, loc, scale = exc.get("uncertainty type"), exc.get("loc"), exc.get("scale")
    lo, hi = exc.get("minimum"), exc.get("maximum")
    if kind == 3 and loc is not None and scale is not None:
        return o.Uncertainty(distribution_type=o.UncertaintyType.NORMAL_DISTRIBUTION, mean=loc, sd=scale)
    if kind == 2 and loc is not None and scale is not None:
        return o.Uncertainty(
            distribution_type=o.UncertaintyType.LOG_NORMAL_DISTRIBUTION,
            geom_mean=math.exp(loc),
            geom_sd=math.exp(scale),
        )
    if kind == 5 and lo is not None and hi is not None:
        return o.Uncertainty(
            distribution_type=o.UncertaintyType.TRIANGLE_DISTRIBUTION, minimum=lo, mode=loc, maximum=hi
        )
    if kind == 4 and lo is not None and hi is not None:
        return o.Uncertainty(distribution_type=o.UncertaintyType.UNIFORM_DISTRIBUTION, minimum=lo, maximum=hi)
    return None


class _Builder:
    """Collects the entities of one export, keyed by ``@id`` (each written once)."""

    def __init__(self, nodes: list[dict[str, Any]], database: str) -> None:
        self.database = database
        self.first = nodes[0]["database"] if nodes else ""
        self.inside = {(n["database"], n["code"]) for n in nodes}
        self.entities: dict[str, Any] = {}
        self.symbols: set[str] = set()

    def owner(self, db: str) -> str:
        """The foreground is the export's own database; the background keeps its name."""
        return self.database if db == self.first else db

    def location(self, code: str) -> Any:
        import olca_schema as o

        loc = o.Location(id=uid("location", code), name=code, code=code, last_change=LAST_CHANGE)
        self.entities.setdefault(loc.id, loc)
        return o.as_ref(loc)

    def flow(self, src: dict[str, Any], where: str) -> tuple[Any, Any, Any]:
        """(flow ref, unit ref, flow property ref) of an exchange's input, the flow recorded."""
        import olca_schema as o
        from olca_schema import units

        symbol = _unit(src["unit"], where)
        self.symbols.add(symbol)
        prop = units.property_ref(symbol)
        if src["categories"]:  # an elementary flow (biosphere3)
            flow = o.Flow(
                id=src["code"],
                name=src["name"],
                flow_type=o.FlowType.ELEMENTARY_FLOW,
                category="Elementary flows/" + "/".join(src["categories"]),
            )
        else:
            flow = o.Flow(
                id=uid("flow", self.owner(src["database"]), src["code"]),
                name=src["name"],
                flow_type=o.FlowType.PRODUCT_FLOW,
                category=self.owner(src["database"]),
            )
        flow.flow_properties = [
            o.FlowPropertyFactor(conversion_factor=1.0, flow_property=prop, is_ref_flow_property=True)
        ]
        flow.last_change = LAST_CHANGE
        self.entities.setdefault(flow.id, flow)
        return o.as_ref(flow), units.unit_ref(symbol), prop

    def process(self, node: dict[str, Any]) -> None:
        import olca_schema as o

        where = f"{node['database']}/{node['code']}"
        proc = o.Process(
            id=uid("process", self.owner(node["database"]), node["code"]),
            name=node["name"],
            process_type=o.ProcessType.UNIT_PROCESS,
            category=self.owner(node["database"]),
            location=self.location(node["location"]),
            description="; ".join(
                str(x)
                for x in (
                    node.get("comment"),
                    node.get("data_source") and f"data source: {node['data_source']}",
                )
                if x
            )
            or None,
            last_change=LAST_CHANGE,
            exchanges=[],
        )
        for i, exc in enumerate(node["exchanges"], start=1):
            src = exc["input"]
            flow, unit, prop = self.flow(src, where)
            row = o.Exchange(internal_id=i, flow=flow, unit=unit, flow_property=prop, amount=exc["amount"])
            row.is_input = exc["type"] == "technosphere"
            row.is_quantitative_reference = exc["type"] == "production"
            row.description = exc.get("comment")
            row.uncertainty = _uncertainty(exc)
            if exc["type"] == "technosphere" and (src["database"], src["code"]) in self.inside:
                row.default_provider = o.Ref(
                    ref_type=o.RefType.Process,
                    id=uid("process", self.owner(src["database"]), src["code"]),
                    name=src["name"],
                )
            proc.exchanges.append(row)
        proc.last_internal_id = len(proc.exchanges)
        self.entities[proc.id] = proc


def olca_entities(nodes: list[dict[str, Any]], database: str) -> list[Any]:
    """Every olca-schema entity of the export (processes, flows, locations, unit groups, flow
    properties), sorted by folder and ``@id``."""
    build = _Builder(nodes, database)
    for node in nodes:
        build.process(node)
    entities = list(build.entities.values()) + _unit_entities(build.symbols)
    return sorted(entities, key=lambda e: (folder(e), e.id))


def olca_bytes(nodes: list[dict[str, Any]], database: str) -> bytes:
    """The JSON-LD zip (``olca-schema.json`` version 2, ``<folder>/<@id>.json``), entries sorted,
    fixed dates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        items = [("olca-schema.json", json.dumps({"version": 2}))]
        items += [(f"{folder(e)}/{e.id}.json", e.to_json()) for e in olca_entities(nodes, database)]
        for name, text in items:
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buf.getvalue()
