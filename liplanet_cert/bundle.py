"""Submission bundle v1: load, validate, and return a typed :class:`Bundle`.

A bundle is a directory (or a ``.zip`` of one) holding
- ``declaration.yaml`` / ``.yml`` / ``.json`` — validated against ``schemas/declaration.schema.json``
  (``liplanet-cert schema bundle``), every quantity parsed and dimension-checked with pint;
- ``production_log.csv`` — one row per lot and step;
- ``eol_tests.csv`` — one row per cell (end-of-line test);
- ``energy.csv`` — metered energy and materials per step and period (long format, unit per row);
- optional evidence files, referenced with their sha256.

CSV columns that carry a physical quantity declare their unit in the header, e.g.
``capacity [Ah]``.  :func:`load_bundle` collects *every* problem before raising one
:class:`~liplanet_cert.errors.BundleError`, so ``validate`` can list them all at once.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from . import safeyaml
from .errors import BundleError, Problem, ProblemCollector
from .models import InputFile
from .resources import load_json, load_schema
from .source import DEFAULT_LIMITS, BundleSource, Limits, decode_text, sha256_bytes
from .units import QuantityError, parse_quantity, to_unit, unit_quantity

DECLARATION_NAMES = ("declaration.yaml", "declaration.yml", "declaration.json")
DEFAULT_FILES = {"production_log": "production_log.csv", "eol_tests": "eol_tests.csv", "energy": "energy.csv"}
AUTOMATION_ORDER = {"manual": 0, "semi-automatic": 1, "automatic": 2}

# Declared KPIs: name -> (dimension, canonical unit, title)
KPI_SPECS: dict[str, tuple[str, str, str]] = {
    "scrap_rate": ("dimensionless", "percent", "Overall production scrap rate"),
    "first_pass_yield": ("dimensionless", "percent", "First-pass (rolled throughput) yield"),
    "eol_pass_rate": ("dimensionless", "percent", "End-of-line test pass rate"),
    "capacity_cv": ("dimensionless", "percent", "Capacity coefficient of variation"),
    "cell_throughput": ("cells_per_time", "cell/day", "Cell output per production day"),
    "electrode_throughput": ("length_per_time", "m/day", "Coated electrode per production day"),
    "electrode_per_batch": ("length_per_batch", "m/batch", "Coated electrode per batch (roll)"),
    "capacity_mean": ("charge", "Ah", "Mean measured cell capacity"),
}
CELL_QUANTITIES = {
    "nominal_capacity": ("charge", "Ah"),
    "nominal_voltage": ("voltage", "V"),
    "nominal_energy": ("energy", "kWh"),
    "mass": ("mass", "kg"),
}


def step_catalogue() -> dict[str, Any]:
    return load_json("steps")


def production_steps() -> list[str]:
    return [s["id"] for s in step_catalogue()["steps"]]


def facility_services() -> list[str]:
    return [s["id"] for s in step_catalogue()["facility_services"]]


@dataclass
class Cell:
    format: str
    chemistry: str
    capacity_ah: float
    voltage_v: float
    energy_kwh: float
    all_solid_state: bool = False
    mass_kg: float | None = None
    text: dict[str, str] = field(default_factory=dict)  # quantities as declared


@dataclass
class DeclaredKPI:
    value: float  # in the canonical unit of KPI_SPECS
    text: str
    pointer: str


@dataclass
class Bundle:
    """A validated submission bundle."""

    path: str
    declaration_file: str
    format_version: str
    pilot_line: dict[str, str]
    country_iso3: str
    period_start: date
    period_end: date
    cell: Cell
    coating_both_sides: bool
    coating_mode: str | None
    steps: dict[str, str]  # step id -> automation level, in declaration order
    declared_kpis: dict[str, DeclaredKPI]
    files: dict[str, str]  # role -> path in bundle
    production: Table  # .frame: pandas DataFrame
    eol: Table | None
    energy: Table | None
    inputs: list[InputFile]
    evidence: list[dict[str, str]]
    passport: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)

    def step_pointer(self, step: str) -> str:
        return f"{self.declaration_file}#/steps/{list(self.steps).index(step)}" if step in self.steps else f"{self.declaration_file}#/steps"


# ----------------------------------------------------------------------------------------
def load_bundle(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Load and validate a bundle; raises :class:`BundleError` listing every problem found."""
    path = Path(path)
    with BundleSource(path, limits) as src:
        return _load(src)


def _load(src: BundleSource) -> Bundle:
    problems = ProblemCollector()
    names = src.names()
    decl_name = next((n for n in DECLARATION_NAMES if n in names), None)
    if decl_name is None:
        raise BundleError(Problem(src.display, message="no declaration found", expected=" or ".join(DECLARATION_NAMES) + " at the bundle root", found=", ".join(names[:8]) or "no files"))

    contents: dict[str, bytes] = {}

    def read(rel: str) -> bytes:
        if rel not in contents:
            contents[rel] = src.read(rel)
        return contents[rel]

    decl = _parse_document(decl_name, read(decl_name))
    _schema_problems(decl_name, decl, problems)
    schema_bad = {p.location for p in problems.problems}

    def ok(pointer: str) -> bool:
        """True when the schema found nothing wrong at or below ``pointer`` (or above it)."""
        return not any(b == pointer or b.startswith(pointer + "/") or pointer.startswith(b + "/") or b == "#" for b in schema_bad)

    def get(*keys: str) -> Any:
        node: Any = decl
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node

    pl = get("pilot_line") if ok("#/pilot_line") else None
    iso3 = _country(decl_name, pl["country"], problems) if pl else ""
    start = end = None
    if ok("#/reporting_period"):
        start = _date(decl_name, "/reporting_period/start", decl["reporting_period"]["start"], problems)
        end = _date(decl_name, "/reporting_period/end", decl["reporting_period"]["end"], problems)
    if start and end and end < start:
        problems.add(decl_name, "#/reporting_period", "reporting period ends before it starts", expected="start <= end", found=f"{start} .. {end}")
        start = end = None  # not a period: do not flag every log row as outside it

    cell = _cell(decl_name, get("cell"), problems, ok) if isinstance(get("cell"), dict) else None
    kpis: dict[str, DeclaredKPI] = {}
    for name, value in (get("kpis") or {}).items() if isinstance(get("kpis"), dict) else ():
        pointer = f"#/kpis/{name}"
        if name not in KPI_SPECS or not ok(pointer):
            continue
        dim, unit, _title = KPI_SPECS[name]
        try:
            q = parse_quantity(value, dim)
            if q.magnitude < 0:
                problems.add(decl_name, pointer, f"declared KPI {name} is negative", expected=">= 0", found=str(value))
            else:
                kpis[name] = DeclaredKPI(to_unit(q, unit), str(value), f"{decl_name}{pointer}")
        except QuantityError as exc:
            problems.add(decl_name, pointer, f"declared KPI {name}: {exc.message}", exc.expected, exc.found)

    steps: dict[str, str] = {}
    steps_ok = ok("#/steps")
    for i, item in enumerate(get("steps") or []):
        if not isinstance(item, dict) or not ok(f"#/steps/{i}"):
            continue
        if item["step"] in steps:
            problems.add(decl_name, f"#/steps/{i}/step", "step declared twice", expected="each step once", found=item["step"])
        steps[item["step"]] = item["automation"]

    files = {**DEFAULT_FILES, **(get("files") if ok("#/files") and isinstance(get("files"), dict) else {})}
    production = eol = energy = None
    if not src.exists(files["production_log"]):
        problems.add(files["production_log"], message="production log not found in the bundle", expected="a CSV file (declared in #/files/production_log or named production_log.csv)")
    else:
        production = _csv_production(files["production_log"], read(files["production_log"]), steps if steps_ok else None, start, end, problems)
    if src.exists(files["eol_tests"]):
        eol = _csv_eol(files["eol_tests"], read(files["eol_tests"]), problems, start, end)
    else:
        problems.add(files["eol_tests"], message="end-of-line test file not found in the bundle", expected="a CSV file (declared in #/files/eol_tests or named eol_tests.csv)")
    if src.exists(files["energy"]):
        energy = _csv_energy(files["energy"], read(files["energy"]), steps if steps_ok else None, start, end, problems)
    else:
        problems.add(files["energy"], message="energy metering file not found in the bundle", expected="a CSV file (declared in #/files/energy or named energy.csv); meter what you can and leave steps out to use the reference model")

    # cross-file consistency
    if production is not None and eol is not None and len(eol):
        known = set(production["lot_id"].tolist())
        unknown = [(row, lot) for row, lot in zip(eol["_row"].tolist(), eol["lot_id"].tolist()) if lot not in known]
        for row, lot in unknown[:20]:
            problems.add(files["eol_tests"], f"row {row}, column lot_id", "lot not in the production log", expected=f"a lot id of {files['production_log']}", found=lot)
        if len(unknown) > 20:
            problems.add(files["eol_tests"], "column lot_id", f"{len(unknown) - 20} more rows with lots not in the production log")

    evidence = []
    for i, ev in enumerate(get("evidence") if ok("#/evidence") and get("evidence") else []):
        rel = ev["path"]
        if not src.exists(rel):
            problems.add(decl_name, f"#/evidence/{i}/path", "evidence file not found in the bundle", found=rel)
            continue
        actual = sha256_bytes(read(rel))
        if actual != ev["sha256"]:
            problems.add(decl_name, f"#/evidence/{i}/sha256", f"sha256 of {rel} does not match", expected=ev["sha256"], found=actual)
        evidence.append({"path": rel, "sha256": actual, "description": ev.get("description", "")})

    passport = _passport(decl_name, get("passport"), problems) if ok("#/passport") else None
    problems.raise_if_any(BundleError)

    inputs = []
    for rel in names:
        data = read(rel)
        inputs.append(InputFile(rel, sha256_bytes(data), len(data)))

    return Bundle(
        path=src.display,
        declaration_file=decl_name,
        format_version=decl["format_version"],
        pilot_line={k: pl[k] for k in ("name", "operator", "site", "country")},
        country_iso3=iso3,
        period_start=start,  # type: ignore[arg-type]
        period_end=end,  # type: ignore[arg-type]
        cell=cell,  # type: ignore[arg-type]
        coating_both_sides=decl["electrode_coating"]["both_sides"],
        coating_mode=decl["electrode_coating"].get("mode"),
        steps=steps,
        declared_kpis=kpis,
        files={k: v for k, v in files.items()},
        production=production,
        eol=eol,
        energy=energy,
        inputs=inputs,
        evidence=evidence,
        passport=passport,
    )


# -- declaration ---------------------------------------------------------------------------
def _parse_document(rel: str, data: bytes) -> Any:
    text = decode_text(rel, data)
    if rel.endswith(".json"):
        _json_depth(rel, text)
        try:
            doc = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise BundleError(Problem(rel, f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")) from None
        except (ValueError, RecursionError) as exc:
            raise BundleError(Problem(rel, "document", f"malformed JSON: {exc}")) from None
    else:
        try:
            doc = safeyaml.load(text)
        except ValueError as exc:
            raise BundleError(Problem(rel, getattr(exc, "location", "") or "document", f"malformed YAML: {getattr(exc, 'problem', exc)}")) from None
    if not isinstance(doc, dict):
        raise BundleError(Problem(rel, "#", "declaration must be a mapping", expected="an object with format_version, pilot_line, ...", found=type(doc).__name__))
    return doc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is not finite")
    return value


def _json_depth(rel: str, text: str) -> None:
    """Refuse JSON nested deeper than YAML may be, before the recursive parser sees it."""
    depth, in_string, escaped, line = 0, False, False, 1
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > safeyaml.MAX_DEPTH:
                raise BundleError(Problem(rel, f"line {line}", f"malformed JSON: nesting deeper than {safeyaml.MAX_DEPTH} levels", expected=f"at most {safeyaml.MAX_DEPTH} levels"))
        elif ch in "]}":
            depth -= 1


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _schema_problems(rel: str, doc: Any, problems: ProblemCollector) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema("declaration"), format_checker=Draft202012Validator.FORMAT_CHECKER)
    for err in sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message)):
        path = [str(p) for p in err.absolute_path]
        missing = re.match(r"'([^']+)' is a required property", err.message) if err.validator == "required" else None
        if missing:  # point at the missing field, so the checks of its siblings still run
            path.append(missing.group(1))
        pointer = "#/" + "/".join(path)
        problems.add(rel, pointer, _schema_message(err), expected=_schema_expected(err), found=_short(err.instance))


def _schema_message(err: Any) -> str:
    if err.validator == "additionalProperties":
        return "unknown field: " + err.message.split("(")[-1].rstrip(")").replace(" were unexpected", "").replace(" was unexpected", "")
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    if err.validator == "enum":
        return "value not allowed"
    return err.message if len(err.message) < 200 else err.message[:200] + "..."


def _schema_expected(err: Any) -> str:
    if err.validator == "enum":
        return "one of " + ", ".join(map(str, err.validator_value))
    if err.validator == "type":
        return f"type {err.validator_value}"
    if err.validator == "format":
        return f"format {err.validator_value} (e.g. 2026-03-31)"
    if err.validator == "pattern":
        return f"text matching {err.validator_value}"
    return ""


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _country(rel: str, code: str, problems: ProblemCollector) -> str:
    table = load_json("countries")
    if len(code) == 2:
        if code in table:
            return table[code]
    elif code in table.values() or code == "EU27":
        return code
    problems.add(rel, "#/pilot_line/country", "unknown country code", expected="an ISO 3166-1 code of a country with grid data, e.g. DE or DEU", found=code)
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
        if name not in c or not isinstance(c[name], str):
            continue
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
        problems.add(rel, "#/cell/nominal_energy", "nominal energy does not match capacity x voltage", expected=f"about {calc * 1000:.4g} Wh (within 10 %)", found=str(c["nominal_energy"]))
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
            problems.add(rel, "#/passport/usable_energy", f"usable energy: {exc.message}", exc.expected, exc.found)
    return out


# -- CSV files -----------------------------------------------------------------------------
# Parsing and validation work on plain columns (lists of strings, numpy arrays); each file becomes
# one pandas DataFrame at the end, for the analysis in :mod:`liplanet_cert.kpis`.  Building the
# frame column by column through pandas costs ~10x more per bundle, which matters in ``batch``.
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*$")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII digits only
_PADDED = re.compile(r"(?:^|,)[^\S\n]|[^\S\n](?:,|$)", re.MULTILINE)


def _padded(text: str) -> bool:
    """Whether some cell may start or end with white space (then every cell is stripped)."""
    if not text.isascii() or "\t" in text or "\x0b" in text or "\x0c" in text:
        return _PADDED.search(text) is not None  # rare: let the regex decide
    return " ," in text or ", " in text or " \n" in text or "\n " in text or text[:1] == " " or text[-1:] == " "
_ISO_DATES = re.compile(r"\d{4}-\d{2}-\d{2}(?:\x1f\d{4}-\d{2}-\d{2})*", re.ASCII)


class Table:
    """One CSV log, parsed and checked: typed columns — numpy float arrays for numbers (in the
    canonical unit), ``datetime64[ns]`` arrays for dates, object arrays of text — and ``_row``, the
    file line of each record.  ``frame`` is the same as a pandas DataFrame, built on first use (the
    KPI aggregation needs it for the production log; most checks only need a column or two, and a
    frame per file costs more than parsing it in ``batch``)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["_row"])

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    @cached_property
    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.columns)


@dataclass
class _Csv:
    """A CSV file as text columns: ``cols[name][k]`` is the stripped cell of data row ``k``, which
    starts on file line ``rows[k]``; ``units`` the header unit of each quantity column."""

    rel: str
    cols: dict[str, list[str]]
    rows: list[int]
    units: dict[str, str]

    def table(self, converted: dict[str, Any]) -> Table:
        import numpy as np

        data = {name: converted[name] if name in converted else np.array(texts, dtype=object) for name, texts in self.cols.items()}
        data.update((k, v) for k, v in converted.items() if k not in data)
        data["_row"] = np.array(self.rows, dtype=np.int64)
        return Table(data)


def _read_csv(rel: str, data: bytes, required: dict[str, str | None], optional: dict[str, str | None], problems: ProblemCollector) -> _Csv | None:
    """Read a CSV as text columns.  ``required``/``optional`` map column -> dimension (None = no unit)."""
    import csv

    text = decode_text(rel, data)
    rows: list[list[str]] = []
    starts: list[int] = []  # file line on which each record starts (quoted line breaks span lines)
    quoted = '"' in text
    padded = quoted or _padded(text)
    if not quoted:  # fast path: no quoting, so one record per line
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        rows = [line.split(",") for line in lines]
        starts = list(range(1, len(rows) + 1))
    else:
        reader = csv.reader(io.StringIO(text), strict=True)
        try:
            for record in reader:
                starts.append(reader.line_num - sum(c.count("\n") for c in record))
                rows.append(record)
        except csv.Error as exc:
            problems.add(rel, f"line {reader.line_num}", f"malformed CSV: {exc}", expected="RFC 4180 CSV (comma-separated, fields with commas or quotes in double quotes)")
            return None
    if not rows or not rows[0]:
        problems.add(rel, "line 1", "missing header", expected="a header row: " + ", ".join(required))
        return None
    header, body = rows[0], rows[1:]
    columns: list[str] = []
    units: dict[str, str] = {}
    spec = {**required, **optional}
    ok = True
    for j, h in enumerate(header):
        m = _HEADER.match(h)
        if not m:
            problems.add(rel, f"line 1, column {j + 1}", "unreadable column name", expected="name or 'name [unit]'", found=repr(h))
            ok = False
            columns.append(f"_bad{j}")
            continue
        name, unit = m.group(1), m.group(2)
        if name in columns:
            problems.add(rel, f"line 1, column {name}", "duplicated column", expected="each column once", found=name)
            ok = False
        columns.append(name)
        if name not in spec:
            problems.add(rel, f"line 1, column {name}", "unknown column", expected="one of " + ", ".join(spec), found=name)
            ok = False
            continue
        dim = spec[name]
        if dim is None and unit:
            problems.add(rel, f"line 1, column {name}", "this column takes no unit", found=f"[{unit}]")
            ok = False
        if dim is not None:
            if not unit:
                problems.add(rel, f"line 1, column {name}", "column unit missing", expected=f"'{name} [unit]' with a unit of {dim.replace('_', ' ')}", found=name)
                ok = False
                continue
            try:
                from .units import check_dimension

                check_dimension(unit_quantity(unit), dim, original=unit)
                units[name] = unit
            except QuantityError as exc:
                problems.add(rel, f"line 1, column {name}", f"column unit: {exc.message}", exc.expected, exc.found)
                ok = False
            except Exception:
                problems.add(rel, f"line 1, column {name}", "unknown unit", expected=f"a unit of {dim.replace('_', ' ')}", found=f"[{unit}]")
                ok = False
    for name in required:
        if name not in columns:
            problems.add(rel, "line 1", f"missing column {name}", expected="columns " + ", ".join(required))
            ok = False
    if not ok:
        return None
    width = len(columns)
    if not padded and set(map(len, body)) <= {width} and all(map(any, body)):
        # the common case (no quoting, no padding, no blank or ragged line): nothing to fix per row
        return _Csv(rel, {name: list(col) for name, col in zip(columns, zip(*body))}, starts[1:], units) if body else _no_rows(rel, problems)
    good: list[list[str]] = []
    lines_of: list[int] = []
    for i, r in zip(starts[1:], body):
        if len(r) != width:
            if not any(cell.strip() for cell in r):
                continue  # blank line
            problems.add(rel, f"row {i}", "wrong number of fields", expected=f"{width} fields", found=f"{len(r)} fields")
            continue
        if quoted:
            for j, cell in enumerate(r):
                if "\n" in cell:
                    problems.add(rel, f"row {i}, column {columns[j]}", "line break inside a field", expected="one line per record")
        if padded:
            r = [c.strip() for c in r]
        if not any(r):
            continue  # blank line
        good.append(r)
        lines_of.append(i)
    if not good:
        return _no_rows(rel, problems)
    return _Csv(rel, {name: list(col) for name, col in zip(columns, zip(*good))}, lines_of, units)


def _no_rows(rel: str, problems: ProblemCollector) -> None:
    problems.add(rel, "row 2", "no data rows", expected="at least one row")
    return None


def _numbers(csv_: _Csv, col: str, problems: ProblemCollector, *, to: str | None = None, integer: bool = False, allow_blank: bool = False) -> Any:
    """A text column as a float array (converted from its header unit to ``to``), reporting each
    bad cell by row and column.  Vectorised: only the cells that fail a check go through Python."""
    import numpy as np

    texts = csv_.cols[col]
    joined = "\x1f".join(texts)
    v = None
    # numpy parses like Python's float(), which also takes "1_000" and non-ASCII digits: only
    # plain ASCII without underscores goes the fast way; the rest cell by cell against _NUMBER.
    if joined.isascii() and "_" not in joined and "" not in texts:
        try:
            v = np.array(texts, dtype=np.float64)
        except ValueError:
            v = None
    if v is None:
        v = np.array([float(t) if _NUMBER.fullmatch(t) else np.nan for t in texts], dtype=np.float64)
    blank = np.fromiter((t == "" for t in texts), dtype=bool, count=len(texts)) if "" in texts else np.zeros(len(texts), dtype=bool)
    with np.errstate(invalid="ignore"):
        bad = (~blank & ~np.isfinite(v)) | (v < 0) | (np.abs(v) > 1e12)
        if integer:
            bad |= np.isfinite(v) & (v != np.floor(v))
    if not allow_blank:
        bad |= blank
    if bad.any():
        for k in np.flatnonzero(bad).tolist():
            row, text, x = csv_.rows[k], texts[k], v[k]
            where = f"row {row}, column {col}"
            if blank[k]:
                problems.add(csv_.rel, where, "missing value", expected="a number")
            elif not np.isfinite(x):
                hint = " (decimal comma or thousands separator?)" if re.fullmatch(r"[-+]?[\d.,' ]+", text) else ""
                problems.add(csv_.rel, where, "not a finite number" + hint, expected="a number like 1234.5", found=repr(text))
            elif x < 0:
                problems.add(csv_.rel, where, "negative value", expected=">= 0", found=text)
            elif abs(x) > 1e12:
                problems.add(csv_.rel, where, "absurdly large value", expected="< 1e12", found=text)
            else:
                problems.add(csv_.rel, where, "not a whole number", expected="a count", found=text)
    unit = csv_.units.get(col)
    if unit and to and unit != to:
        v = v * _unit_factor(unit, to)
    return v


@lru_cache(maxsize=256)
def _unit_factor(unit: str, to: str) -> float:
    from .units import registry

    return float(registry().Quantity(1, unit).to(to).magnitude)


def _dates(csv_: _Csv, col: str, start: date | None, end: date | None, problems: ProblemCollector) -> Any:
    """A text column of ISO dates as a ``datetime64[ns]`` array (NaT where unreadable)."""
    import numpy as np

    texts = csv_.cols[col]
    parsed = None
    if _ISO_DATES.fullmatch("\x1f".join(texts)):
        try:
            parsed = np.array(texts, dtype="datetime64[D]")
        except ValueError:  # e.g. 2026-02-30: find it cell by cell
            parsed = None
    if parsed is None:
        parsed = np.array([_iso_day(t) for t in texts], dtype="datetime64[D]")
    missing = np.isnat(parsed)
    outside = np.zeros(len(parsed), dtype=bool)
    if start and end:
        outside = ~missing & ((parsed < np.datetime64(start, "D")) | (parsed > np.datetime64(end, "D")))
    if missing.any() or outside.any():
        for k in np.flatnonzero(missing | outside).tolist():
            where = f"row {csv_.rows[k]}, column {col}"
            if missing[k]:
                problems.add(csv_.rel, where, "not a date", expected="YYYY-MM-DD", found=repr(texts[k]))
            else:
                problems.add(csv_.rel, where, "date outside the reporting period", expected=f"{start} .. {end}", found=texts[k])
    return parsed.astype("datetime64[ns]")


def _iso_day(text: str) -> Any:
    import numpy as np

    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return np.datetime64(date.fromisoformat(text), "D")
        except ValueError:
            pass
    return np.datetime64("NaT", "D")


def _csv_production(rel: str, data: bytes, steps: dict[str, str] | None, start: date | None, end: date | None, problems: ProblemCollector) -> Any:
    import numpy as np

    c = _read_csv(rel, data, {"date": None, "step": None, "lot_id": None, "units_in": None, "good_out": None, "scrap": None}, {"electrode_length": "length"}, problems)
    if c is None:
        return None
    before = len(problems.problems)
    conv: dict[str, Any] = {"date": _dates(c, "date", start, end, problems)}
    for col in ("units_in", "good_out", "scrap"):
        conv[col] = _numbers(c, col, problems, integer=True)
    if "electrode_length" in c.cols:
        conv["electrode_length"] = _numbers(c, "electrode_length", problems, to="m", allow_blank=True)
    else:
        conv["electrode_length"] = np.full(len(c.rows), np.nan)
    known = set(production_steps())
    step_col, lot_col = c.cols["step"], c.cols["lot_id"]
    if not set(step_col) <= (known if steps is None else known & set(steps)) or "" in lot_col:
        for row, step, lot in zip(c.rows, step_col, lot_col):
            if step not in known:
                problems.add(rel, f"row {row}, column step", "unknown step", expected="one of " + ", ".join(sorted(known)), found=repr(step))
            elif steps is not None and step not in steps:
                problems.add(rel, f"row {row}, column step", "step not declared in the declaration", expected="one of the declared steps: " + ", ".join(steps), found=step)
            if not lot:
                problems.add(rel, f"row {row}, column lot_id", "missing lot id", expected="a lot or batch id")
    if len(problems.problems) == before:
        uin, good, scrap = conv["units_in"], conv["good_out"], conv["scrap"]
        for k in np.flatnonzero(good + scrap != uin)[:20].tolist():
            problems.add(rel, f"row {c.rows[k]}", "units do not add up", expected=f"units_in = good_out + scrap ({int(good[k])} + {int(scrap[k])})", found=f"units_in = {int(uin[k])}")
        pairs = list(zip(step_col, lot_col))
        if len(set(pairs)) != len(pairs):
            seen: set[tuple[str, str]] = set()
            dups = 0
            for k, p in enumerate(pairs):
                if p in seen and dups < 20:
                    dups += 1
                    problems.add(rel, f"row {c.rows[k]}", "lot logged twice for the same step", expected="one row per lot and step", found=f"{p[1]} / {p[0]}")
                seen.add(p)
    return c.table(conv)


def _csv_eol(rel: str, data: bytes, problems: ProblemCollector, start: date | None = None, end: date | None = None) -> Any:
    import numpy as np

    c = _read_csv(rel, data, {"cell_id": None, "lot_id": None, "capacity": "charge", "result": None}, {"internal_resistance": "resistance", "ocv_drop": "voltage", "self_discharge": "dimensionless", "date": None}, problems)
    if c is None:
        return None
    conv: dict[str, Any] = {"capacity": _numbers(c, "capacity", problems, to="Ah")}
    if "date" in c.cols:
        conv["date"] = _dates(c, "date", start, end, problems)
    if "internal_resistance" in c.cols:
        conv["internal_resistance"] = _numbers(c, "internal_resistance", problems, to="mohm", allow_blank=True)
    if "ocv_drop" in c.cols:
        conv["ocv_drop"] = _numbers(c, "ocv_drop", problems, to="mV", allow_blank=True)
    lowered = [t.lower() for t in c.cols["result"]]
    if not set(lowered) <= {"pass", "fail"}:
        for row, text, low in zip(c.rows, c.cols["result"], lowered):
            if low not in ("pass", "fail"):
                problems.add(rel, f"row {row}, column result", "unknown test result", expected="pass or fail", found=repr(text))
    conv["passed"] = np.array([low == "pass" for low in lowered], dtype=bool)
    ids = c.cols["cell_id"]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dups = 0
        for k, cid in enumerate(ids):
            if cid in seen and dups < 20:
                dups += 1
                problems.add(rel, f"row {c.rows[k]}, column cell_id", "cell tested twice", expected="one row per cell", found=cid)
            seen.add(cid)
    return c.table(conv)


ENERGY_CARRIERS = {"electricity": "energy", "natural_gas": "energy"}


@lru_cache(maxsize=512)
def _energy_unit(unit: str, want: str) -> tuple[str | None, float] | str:
    """``unit`` of an energy.csv row -> (basis: None | "cell" | "lot", factor to kWh or kg), or the
    reason it does not fit ("unknown" / "dimension")."""
    from .units import registry

    try:
        q = unit_quantity(unit)
    except Exception:
        return "unknown"
    basis = None
    for b, dim in (("cell", "[cell]"), ("lot", "[batch]")):
        if q.dimensionality.get(dim, 0) == -1:
            basis = b
            q = q * registry().Quantity(1, b)
    try:
        return basis, float(q.to("kWh" if want == "energy" else "kg").magnitude)
    except Exception:
        return "dimension"


@lru_cache(maxsize=256)
def _accuracy(text: str) -> float | QuantityError:
    try:
        return to_unit(parse_quantity(text, "dimensionless"), "dimensionless")
    except QuantityError as exc:
        return exc


def _csv_energy(rel: str, data: bytes, steps: dict[str, str] | None, start: date | None, end: date | None, problems: ProblemCollector) -> Any:
    import numpy as np

    c = _read_csv(rel, data, {"step": None, "period_start": None, "period_end": None, "carrier": None, "amount": None, "unit": None}, {"meter_accuracy": None, "meter_id": None}, problems)
    if c is None:
        return None
    conv: dict[str, Any] = {
        "period_start": _dates(c, "period_start", start, end, problems),
        "period_end": _dates(c, "period_end", start, end, problems),
        "amount": _numbers(c, "amount", problems),
    }
    if "meter_accuracy" in c.cols:
        acc: list[float | None] = []
        for row, text in zip(c.rows, c.cols["meter_accuracy"]):
            a = _accuracy(text) if text else None
            if isinstance(a, QuantityError):
                problems.add(rel, f"row {row}, column meter_accuracy", a.message, a.expected, a.found)
                a = None
            acc.append(a)
        conv["meter_accuracy"] = acc
    else:
        conv["meter_accuracy"] = [None] * len(c.rows)
    allowed_steps = set(steps if steps is not None else production_steps()) | set(facility_services())
    materials = _known_materials()
    kinds: list[str | None] = []
    per: list[tuple[str | None, float] | None] = []
    ps_col, pe_col = conv["period_start"], conv["period_end"]
    for k, (row, step, carrier, unit) in enumerate(zip(c.rows, c.cols["step"], c.cols["carrier"], c.cols["unit"])):
        if step not in allowed_steps:
            problems.add(rel, f"row {row}, column step", "step not declared (or not a facility service)", expected="one of " + ", ".join(sorted(allowed_steps)), found=repr(step))
        if carrier in ENERGY_CARRIERS:
            want = "energy"
        elif carrier in materials:
            want = "mass"
        else:
            problems.add(rel, f"row {row}, column carrier", "unknown carrier", expected="electricity, natural_gas or a material of the LCA model: " + ", ".join(sorted(materials)), found=repr(carrier))
            kinds.append(None)
            per.append(None)
            continue
        kinds.append(want)
        fit = _energy_unit(unit, want)
        if fit == "unknown":
            problems.add(rel, f"row {row}, column unit", "unknown unit", expected=f"a unit of {want} (total), per cell or per lot, e.g. kWh, MJ, kWh/cell, kg/lot", found=repr(unit))
            per.append(None)
            continue
        if fit == "dimension":
            problems.add(rel, f"row {row}, column unit", f"unit does not fit {carrier}", expected=f"a unit of {want}" + (" (kWh, MJ, ...)" if want == "energy" else " (kg, g, ...)") + ", optionally per cell or per lot", found=repr(unit))
            per.append(None)
            continue
        per.append(fit)  # type: ignore[arg-type]
        ps, pe = ps_col[k], pe_col[k]
        if not (np.isnat(ps) or np.isnat(pe)) and pe < ps:
            problems.add(rel, f"row {row}, column period_end", "period ends before it starts", expected=f">= {str(ps)[:10]}", found=str(pe)[:10])
    conv["kind"] = kinds
    conv["basis"] = [p[0] if p else None for p in per]
    conv["factor"] = [p[1] if p else None for p in per]
    return c.table(conv)


def _known_materials() -> set[str]:
    try:
        from .lca import known_materials

        return set(known_materials())
    except Exception:  # LCA model unavailable: no materials can be metered
        return set()
