"""The bundle's declaration: found, parsed, validated against ``schemas/declaration.schema.json``
(``liplanet-cert schema bundle``), then its own rules — a known country, a reporting period that
does not end before it starts, every quantity parsed and dimension-checked with pint (the cell, the
declared KPIs, the passport's usable energy), each step declared once.

A declaration that is missing or unreadable is a problem like any other: the caller still reads
the logs (with the default names, no declared steps or period) so that one run lists everything.
What the schema finds wrong is not checked again: :meth:`Declaration.ok` says where the document
can be trusted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from liplanet_cert.bundle.document import parse_document
from liplanet_cert.bundle.model import BOMLine, Cell, DeclaredKPI, Spec
from liplanet_cert.bundle.qualityspecs import read_quality_specs
from liplanet_cert.catalogue import CELL_QUANTITIES, KPI_SPECS
from liplanet_cert.errors import BundleError, Problem, ProblemCollector
from liplanet_cert.infra.resources import load_json, load_schema
from liplanet_cert.infra.schema_problems import describe_error, document_order, schema_problems
from liplanet_cert.infra.textsafe import did_you_mean
from liplanet_cert.units import QuantityError, parse_quantity, to_unit

DECLARATION_NAMES = ("declaration.yaml", "declaration.yml", "declaration.json")
# A declaration is a few KB (2,000 evidence entries: about 400 KB); parsed YAML takes up to ~200x its size
# in memory, so the declaration has a limit of its own, far below LIPLANET_MAX_FILE_BYTES.
MAX_DECLARATION_BYTES = 512 * 1024
DEFAULT_FILES = dict(production_log="production_log.csv", eol_tests="eol_tests.csv", energy="energy.csv")
DEFAULT_FILES["quality_log"] = "quality_log.csv"  # optional: absent, the bundle has no quality data


@dataclass
class Declaration:
    """A parsed declaration (``doc``: None when missing or unreadable) and where the schema found
    it wrong (JSON pointers; ``"#"``: nothing of it can be trusted)."""

    name: str  # the file name (the first of DECLARATION_NAMES when there is none)
    doc: Any
    schema_bad: set[str] = field(default_factory=set)

    def ok(self, pointer: str) -> bool:
        """True when the schema found nothing wrong at or below ``pointer`` (or above it)."""
        return not any(
            b == pointer or b.startswith(pointer + "/") or pointer.startswith(b + "/") or b == "#"
            for b in self.schema_bad
        )

    def get(self, *keys: str) -> Any:
        """The value at ``keys``, or None when the document has none there."""
        node: Any = self.doc
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node


@dataclass
class Declared:
    """What the declaration says, checked: None (or empty) where it is unusable."""

    pilot_line: dict[str, Any] | None
    country_iso3: str
    period_start: date | None
    period_end: date | None
    cell: Cell | None
    kpis: dict[str, DeclaredKPI]
    steps: dict[str, str]  # step id -> automation level, in declaration order
    steps_ok: bool  # the schema found nothing wrong in #/steps: the logs are checked against them
    files: dict[str, str]  # role -> path in the bundle
    quality_specs: dict[tuple[str, str], Spec] = field(default_factory=dict)  # #/quality_specs

    @property
    def log_steps(self) -> dict[str, str] | None:
        """The declared steps the logs are checked against; None when they are not known."""
        return self.steps if self.steps_ok else None


PLACEHOLDER = re.compile(r"^<fill in: [^<>]*>$")  # a value the scaffold asks the line to fill in


def placeholders(name: str, doc: Any, pointer: str = "#") -> list[Problem]:
    """Every value of ``doc`` that is still a placeholder of ``liplanet-cert init``
    (``"<fill in: ...>"``; any other text in angle brackets, e.g. a name ``</td>``, is a value),
    each a problem at its own pointer: a scaffold is never assessed as if it were a line's data."""
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in placeholders(name, v, f"{pointer}/{k}")]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in placeholders(name, v, f"{pointer}/{i}")]
    if isinstance(doc, str) and PLACEHOLDER.match(doc.strip()):
        return [
            Problem(
                name,
                pointer,
                f"placeholder not replaced: {doc.strip()[:120]}",
                expected="the line's own value (see the comment beside the field)",
            )
        ]
    return []


def _quantity_unit(path: list[Any]) -> str | None:
    """The canonical unit of the declared quantity at ``path`` (a KPI or a cell quantity), if it is one."""
    if len(path) == 2 and path[0] == "kpis" and path[1] in KPI_SPECS:
        return KPI_SPECS[path[1]][1]
    if len(path) == 2 and path[0] == "cell" and path[1] in CELL_QUANTITIES:
        return CELL_QUANTITIES[path[1]][1]
    if len(path) == 3 and path[0] == "bill_of_materials" and path[2] == "mass_per_cell":
        return "g"
    return None


def _describe(err: Any) -> tuple[str, str, str]:
    """The declaration's words for a schema error: a quantity written as a bare number is told that
    it needs its unit, with the unit the field is in; everything else as :func:`describe_error`."""
    value, unit = err.instance, _quantity_unit(list(err.absolute_path))
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if err.validator == "type" and number and unit is not None:
        shown = "%" if unit == "percent" else unit
        return "a quantity needs its unit", f'"{value} {shown}" (quoted text with the unit)', str(value)
    return describe_error(err)


def read_declaration(
    display: str, names: list[str], read: Callable[[str, int, str], bytes], problems: ProblemCollector
) -> Declaration:
    """Find the declaration among the bundle's ``names`` (the bundle shown as ``display``), read it
    with ``read(name, max_bytes, what)``, parse and validate it; its problems go to ``problems``."""
    name = next((n for n in DECLARATION_NAMES if n in names), None)
    doc: Any = None
    if name is None:
        problems.add(
            display,
            message="no declaration found",
            expected=" or ".join(DECLARATION_NAMES) + " at the bundle root",
            found=", ".join(names[:8]) or "no files",
        )
    else:
        try:
            doc = parse_document(name, read(name, MAX_DECLARATION_BYTES, "a declaration"))
        except BundleError as exc:
            problems.problems.extend(exc.problems)
    if doc is not None:
        holes = placeholders(name, doc)  # type: ignore[arg-type]
        unfilled = {p.location for p in holes}
        problems.problems.extend(holes)
        problems.problems.extend(
            p
            for p in schema_problems(
                name,
                doc,  # type: ignore[arg-type]
                load_schema("declaration"),
                describe=_describe,
                order=document_order,
                at_missing_field=True,
            )
            if p.location not in unfilled  # a placeholder is reported once, as a placeholder
        )
    schema_bad = {p.location for p in problems.problems} if doc is not None else {"#"}
    return Declaration(name or DECLARATION_NAMES[0], doc, schema_bad)


def declared(decl: Declaration, problems: ProblemCollector) -> Declared:
    """The declaration's facts, each checked by its own rule (problems to ``problems``)."""
    pl = decl.get("pilot_line") if decl.ok("#/pilot_line") else None
    iso3 = _country(decl.name, pl["country"], problems) if pl else ""
    start, end = _period(decl, problems)
    cell = (
        _cell(decl.name, decl.get("cell"), problems, decl.ok) if isinstance(decl.get("cell"), dict) else None
    )
    if decl.get("bill_of_materials") is not None and decl.ok("#/bill_of_materials"):
        bom = _bill_of_materials(decl.name, decl.get("bill_of_materials"), problems)
        if cell is not None:
            cell.bill_of_materials = bom
    kpis = _kpis(decl, problems)
    steps = _steps(decl, problems)
    files = decl.get("files") if decl.ok("#/files") and isinstance(decl.get("files"), dict) else {}
    return Declared(
        pilot_line=pl,
        country_iso3=iso3,
        period_start=start,
        period_end=end,
        cell=cell,
        kpis=kpis,
        steps=steps,
        steps_ok=decl.ok("#/steps"),
        files={**DEFAULT_FILES, **files},
        quality_specs=read_quality_specs(decl.name, decl.get("quality_specs"), decl.ok, problems),
    )


def passport(decl: Declaration, problems: ProblemCollector) -> dict[str, Any] | None:
    """The declared battery passport data, its usable energy in kWh (None when not declared)."""
    return _passport(decl.name, decl.get("passport"), problems) if decl.ok("#/passport") else None


def _period(decl: Declaration, problems: ProblemCollector) -> tuple[date | None, date | None]:
    start = end = None
    if decl.ok("#/reporting_period"):
        start = _date(decl.name, "/reporting_period/start", decl.doc["reporting_period"]["start"], problems)
        end = _date(decl.name, "/reporting_period/end", decl.doc["reporting_period"]["end"], problems)
    if start and end and end < start:
        problems.add(
            decl.name,
            "#/reporting_period",
            "reporting period ends before it starts",
            expected="start <= end",
            found=f"{start} .. {end}",
        )
        start = end = None  # not a period: do not flag every log row as outside it
    return start, end


def _kpis(decl: Declaration, problems: ProblemCollector) -> dict[str, DeclaredKPI]:
    kpis: dict[str, DeclaredKPI] = {}
    for name, value in (decl.get("kpis") or {}).items() if isinstance(decl.get("kpis"), dict) else ():
        pointer = f"#/kpis/{name}"
        if name not in KPI_SPECS or not decl.ok(pointer):
            continue
        dim, unit, _title = KPI_SPECS[name]
        try:
            q = parse_quantity(value, dim)
            if q.magnitude < 0:
                problems.add(
                    decl.name, pointer, f"declared KPI {name} is negative", expected=">= 0", found=str(value)
                )
            else:
                kpis[name] = DeclaredKPI(to_unit(q, unit), str(value), f"{decl.name}{pointer}")
        except QuantityError as exc:
            problems.add(decl.name, pointer, f"declared KPI {name}: {exc.message}", exc.expected, exc.found)
    return kpis


def _steps(decl: Declaration, problems: ProblemCollector) -> dict[str, str]:
    steps: dict[str, str] = {}
    for i, item in enumerate(decl.get("steps") or []):
        if not isinstance(item, dict) or not decl.ok(f"#/steps/{i}"):
            continue
        if item["step"] in steps:
            problems.add(
                decl.name,
                f"#/steps/{i}/step",
                "step declared twice",
                expected="each step once",
                found=item["step"],
            )
        steps[item["step"]] = item["automation"]
    return steps


def _country(rel: str, code: str, problems: ProblemCollector) -> str:
    table = load_json("countries")
    if len(code) == 2:
        if code in table:
            return table[code]
    elif code in table.values() or code == "EU27":
        return code
    problems.add(
        rel,
        "#/pilot_line/country",
        "unknown country code",
        expected="an ISO 3166-1 code of a country with grid data, e.g. DE or DEU",
        found=code,
    )
    return code


def _date(rel: str, pointer: str, text: str, problems: ProblemCollector) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add(rel, "#" + pointer, "not a date", expected="YYYY-MM-DD", found=text)
        return None


def _cell(rel: str, c: dict[str, Any], problems: ProblemCollector, ok: Any) -> Cell | None:
    values: dict[str, float] = {}
    for name, (dim, unit) in CELL_QUANTITIES.items():
        if name not in c or not isinstance(c[name], str) or PLACEHOLDER.match(c[name].strip()):
            continue  # (a placeholder is reported once, as a placeholder)
        try:
            q = parse_quantity(c[name], dim)
            values[name] = to_unit(q, unit)
            if values[name] <= 0:
                problems.add(rel, f"#/cell/{name}", "must be positive", expected="> 0", found=str(c[name]))
        except QuantityError as exc:
            problems.add(rel, f"#/cell/{name}", f"cell {name}: {exc.message}", exc.expected, exc.found)
    if len(values) < 3 or not ok("#/cell"):
        return None
    # nominal energy should be capacity x voltage (within 10 %)
    calc = values["nominal_capacity"] * values["nominal_voltage"] / 1000.0
    if calc > 0 and abs(values["nominal_energy"] - calc) / calc > 0.10:
        problems.add(
            rel,
            "#/cell/nominal_energy",
            "nominal energy does not match capacity x voltage",
            expected=f"about {calc * 1000:.4g} Wh (within 10 %)",
            found=str(c["nominal_energy"]),
        )
    chem = c["chemistry"]
    return Cell(
        format=c["format"],
        chemistry=chem,
        capacity_ah=values["nominal_capacity"],
        voltage_v=values["nominal_voltage"],
        energy_kwh=values["nominal_energy"],
        all_solid_state=bool(c.get("all_solid_state", False)),
        mass_kg=values.get("mass"),
        text={k: str(c[k]) for k in ("nominal_capacity", "nominal_voltage", "nominal_energy") if k in c},
    )


def _passport(rel: str, p: dict[str, Any] | None, problems: ProblemCollector) -> dict[str, Any] | None:
    if p is None:
        return None
    out = dict(p)
    if "usable_energy" in p:
        try:
            out["usable_energy_kwh"] = to_unit(parse_quantity(p["usable_energy"], "energy"), "kWh")
        except QuantityError as exc:
            problems.add(
                rel, "#/passport/usable_energy", f"usable energy: {exc.message}", exc.expected, exc.found
            )
    return out


_FACTOR = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*(g|kg|t)\s*CO2(?:e|-?eq)\s*(?:/|per)\s*(g|kg|t)\s*$"
)
_MASS = {"g": 1e-3, "kg": 1.0, "t": 1e3}


def _cell_materials() -> dict[str, bool]:
    """Cell-material ids of the LCA model -> whether it has a default factor."""
    from liplanet_cert.lca.materials import cell_materials
    from liplanet_cert.lca.model import load_model

    return cell_materials(load_model())


def _bill_of_materials(rel: str, items: list[Any], problems: ProblemCollector) -> tuple[BOMLine, ...]:
    """The declared bill of materials: known material ids (did you mean?), each once, a mass per
    cell (pint) and, where declared, an emission factor in kg CO2e/kg -- required for a material
    the model has no open factor for."""
    known, seen, out = _cell_materials(), set(), []
    for i, item in enumerate(items):
        ptr, mat = f"#/bill_of_materials/{i}", item["material"]
        if mat not in known:
            expected = "a cell-material id of lca_models/cell_materials.yaml, e.g. " + ", ".join(
                sorted(known)[:6]
            )
            problems.add(
                rel, ptr + "/material", "unknown cell material" + did_you_mean(mat, known), expected, mat
            )
            continue
        if mat in seen:
            problems.add(rel, ptr + "/material", "material declared twice", "each material once", mat)
        seen.add(mat)
        try:
            kg = to_unit(parse_quantity(item["mass_per_cell"], "mass"), "kg")
        except QuantityError as exc:
            problems.add(
                rel, ptr + "/mass_per_cell", f"mass of {mat}: {exc.message}", exc.expected, exc.found
            )
            continue
        if kg < 0:
            problems.add(rel, ptr + "/mass_per_cell", "mass is negative", ">= 0", str(item["mass_per_cell"]))
            continue
        factor = None
        if "emission_factor" in item:
            m = _FACTOR.match(str(item["emission_factor"]))
            if m is None:
                problems.add(
                    rel,
                    ptr + "/emission_factor",
                    f"emission factor of {mat} is not a factor per mass of CO2e",
                    "e.g. '9.5 kg CO2e/kg'",
                    str(item["emission_factor"]),
                )
                continue
            factor = float(m.group(1)) * _MASS[m.group(2)] / _MASS[m.group(3)]
        elif not known[mat]:
            problems.add(
                rel,
                ptr,
                f"no open emission factor for {mat}: the line must declare one",
                "emission_factor (kg CO2e/kg) with its source",
                "no emission_factor",
            )
            continue
        out.append(BOMLine(mat, kg, factor, str(item.get("source", "")), f"{rel}{ptr}"))
    return tuple(out)
