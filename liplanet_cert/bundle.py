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
from functools import lru_cache
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
    production: Any  # pandas.DataFrame
    eol: Any | None  # pandas.DataFrame or None
    energy: Any | None  # pandas.DataFrame or None
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
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*$")


def _read_csv(rel: str, data: bytes, required: dict[str, str | None], optional: dict[str, str | None], problems: ProblemCollector) -> tuple[Any, dict[str, str]] | None:
    """Read a CSV as text columns.  ``required``/``optional`` map column -> dimension (None = no unit).

    Returns (DataFrame of strings with a ``_row`` column of file line numbers, units by column).
    """
    import csv

    import pandas as pd

    text = decode_text(rel, data)
    rows: list[list[str]] = []
    starts: list[int] = []  # file line on which each record starts (quoted line breaks span lines)
    quoted = '"' in text
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
        spec = {**required, **optional}
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
    good = []
    width = len(columns)
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
        r = [c.strip() for c in r]
        if not any(r):
            continue  # blank line
        r.append(i)
        good.append(r)
    if not good:
        problems.add(rel, "row 2", "no data rows", expected="at least one row")
        return None
    df = pd.DataFrame(good, columns=columns + ["_row"])
    return df, units


def _numbers(rel: str, df: Any, col: str, problems: ProblemCollector, *, unit: str | None = None, to: str | None = None, integer: bool = False, allow_blank: bool = False) -> Any:
    """Convert a text column to floats, reporting each bad cell by row and column.

    Vectorised: only the rows that fail a check go through Python.
    """
    import numpy as np
    import pandas as pd

    raw = df[col]
    blank = (raw == "").to_numpy()
    values = pd.to_numeric(raw.where(~blank, None), errors="coerce").astype(float)
    v = values.to_numpy()
    with np.errstate(invalid="ignore"):
        bad = (~blank & ~np.isfinite(v)) | (v < 0) | (np.abs(v) > 1e12)
        if integer:
            bad |= np.isfinite(v) & (v != np.floor(v))
    if not allow_blank:
        bad |= blank
    if bad.any():
        rows, texts = df["_row"].to_numpy(), raw.to_numpy()
        for k in np.flatnonzero(bad):
            row, text, x = rows[k], texts[k], v[k]
            where = f"row {row}, column {col}"
            if blank[k]:
                problems.add(rel, where, "missing value", expected="a number")
            elif not np.isfinite(x):
                hint = " (decimal comma or thousands separator?)" if re.fullmatch(r"[-+]?[\d.,' ]+", text) else ""
                problems.add(rel, where, "not a finite number" + hint, expected="a number like 1234.5", found=repr(text))
            elif x < 0:
                problems.add(rel, where, "negative value", expected=">= 0", found=text)
            elif abs(x) > 1e12:
                problems.add(rel, where, "absurdly large value", expected="< 1e12", found=text)
            else:
                problems.add(rel, where, "not a whole number", expected="a count", found=text)
    if unit and to and unit != to:
        values = values * _unit_factor(unit, to)
    return values


@lru_cache(maxsize=256)
def _unit_factor(unit: str, to: str) -> float:
    from .units import registry

    return float(registry().Quantity(1, unit).to(to).magnitude)


def _dates(rel: str, df: Any, col: str, start: date | None, end: date | None, problems: ProblemCollector) -> Any:
    import numpy as np
    import pandas as pd

    parsed = pd.to_datetime(df[col], format="%Y-%m-%d", errors="coerce")
    missing = parsed.isna().to_numpy()
    outside = np.zeros(len(parsed), dtype=bool)
    if start and end:
        outside = (~missing) & ((parsed < pd.Timestamp(start)) | (parsed > pd.Timestamp(end))).to_numpy()
    if missing.any() or outside.any():
        rows, texts = df["_row"].to_numpy(), df[col].to_numpy()
        for k in np.flatnonzero(missing | outside):
            where = f"row {rows[k]}, column {col}"
            if missing[k]:
                problems.add(rel, where, "not a date", expected="YYYY-MM-DD", found=repr(texts[k]))
            else:
                problems.add(rel, where, "date outside the reporting period", expected=f"{start} .. {end}", found=texts[k])
    return parsed


def _csv_production(rel: str, data: bytes, steps: dict[str, str] | None, start: date | None, end: date | None, problems: ProblemCollector) -> Any:
    read = _read_csv(rel, data, {"date": None, "step": None, "lot_id": None, "units_in": None, "good_out": None, "scrap": None}, {"electrode_length": "length"}, problems)
    if read is None:
        return None
    df, units = read
    before = len(problems.problems)
    df["date"] = _dates(rel, df, "date", start, end, problems)
    for col in ("units_in", "good_out", "scrap"):
        df[col] = _numbers(rel, df, col, problems, integer=True)
    if "electrode_length" in df:
        df["electrode_length"] = _numbers(rel, df, "electrode_length", problems, unit=units["electrode_length"], to="m", allow_blank=True)
    else:
        df["electrode_length"] = float("nan")
    known = set(production_steps())
    for row, step, lot in zip(df["_row"].tolist(), df["step"].tolist(), df["lot_id"].tolist()):
        if step not in known:
            problems.add(rel, f"row {row}, column step", "unknown step", expected="one of " + ", ".join(sorted(known)), found=repr(step))
        elif steps is not None and step not in steps:
            problems.add(rel, f"row {row}, column step", "step not declared in the declaration", expected="one of the declared steps: " + ", ".join(steps), found=step)
        if not lot:
            problems.add(rel, f"row {row}, column lot_id", "missing lot id", expected="a lot or batch id")
    if len(problems.problems) == before:
        bad = df[(df["good_out"] + df["scrap"]) != df["units_in"]]
        for _, r in bad.head(20).iterrows():
            problems.add(rel, f"row {r['_row']}", "units do not add up", expected=f"units_in = good_out + scrap ({int(r['good_out'])} + {int(r['scrap'])})", found=f"units_in = {int(r['units_in'])}")
        dup = df[df.duplicated(["step", "lot_id"], keep="first")]
        for _, r in dup.head(20).iterrows():
            problems.add(rel, f"row {r['_row']}", "lot logged twice for the same step", expected="one row per lot and step", found=f"{r['lot_id']} / {r['step']}")
    return df


def _csv_eol(rel: str, data: bytes, problems: ProblemCollector, start: date | None = None, end: date | None = None) -> Any:
    read = _read_csv(rel, data, {"cell_id": None, "lot_id": None, "capacity": "charge", "result": None}, {"internal_resistance": "resistance", "ocv_drop": "voltage", "self_discharge": "dimensionless", "date": None}, problems)
    if read is None:
        return None
    df, units = read
    df["capacity"] = _numbers(rel, df, "capacity", problems, unit=units["capacity"], to="Ah")
    if "date" in df:
        df["date"] = _dates(rel, df, "date", start, end, problems)
    if "internal_resistance" in df:
        df["internal_resistance"] = _numbers(rel, df, "internal_resistance", problems, unit=units["internal_resistance"], to="mohm", allow_blank=True)
    if "ocv_drop" in df:
        df["ocv_drop"] = _numbers(rel, df, "ocv_drop", problems, unit=units["ocv_drop"], to="mV", allow_blank=True)
    results = df["result"].str.lower()
    for row, text in zip(df["_row"].tolist(), df["result"].tolist()):
        if text.lower() not in ("pass", "fail"):
            problems.add(rel, f"row {row}, column result", "unknown test result", expected="pass or fail", found=repr(text))
    df["passed"] = results == "pass"
    dup = df[df.duplicated(["cell_id"], keep="first")]
    for _, r in dup.head(20).iterrows():
        problems.add(rel, f"row {r['_row']}, column cell_id", "cell tested twice", expected="one row per cell", found=r["cell_id"])
    return df


ENERGY_CARRIERS = {"electricity": "energy", "natural_gas": "energy"}


def _csv_energy(rel: str, data: bytes, steps: dict[str, str] | None, start: date | None, end: date | None, problems: ProblemCollector) -> Any:
    read = _read_csv(rel, data, {"step": None, "period_start": None, "period_end": None, "carrier": None, "amount": None, "unit": None}, {"meter_accuracy": None, "meter_id": None}, problems)
    if read is None:
        return None
    df, _ = read
    from .units import registry

    df["period_start"] = _dates(rel, df, "period_start", start, end, problems)
    df["period_end"] = _dates(rel, df, "period_end", start, end, problems)
    df["amount"] = _numbers(rel, df, "amount", problems)
    if "meter_accuracy" in df:
        acc = []
        for row, text in zip(df["_row"], df["meter_accuracy"]):
            if not text:
                acc.append(None)
                continue
            try:
                acc.append(to_unit(parse_quantity(text, "dimensionless"), "dimensionless"))
            except QuantityError as exc:
                problems.add(rel, f"row {row}, column meter_accuracy", exc.message, exc.expected, exc.found)
                acc.append(None)
        df["meter_accuracy"] = acc
    else:
        df["meter_accuracy"] = None
    allowed_steps = set(steps if steps is not None else production_steps()) | set(facility_services())
    materials = _known_materials()
    ureg = registry()
    kinds, per = [], []
    for row, step, carrier, unit, ps, pe in zip(df["_row"], df["step"], df["carrier"], df["unit"], df["period_start"], df["period_end"]):
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
        try:
            q = unit_quantity(unit)
        except Exception:
            problems.add(rel, f"row {row}, column unit", "unknown unit", expected=f"a unit of {want} (total), per cell or per lot, e.g. kWh, MJ, kWh/cell, kg/lot", found=repr(unit))
            per.append(None)
            continue
        basis = None
        for b, dim in (("cell", "[cell]"), ("lot", "[batch]")):
            if q.dimensionality.get(dim, 0) == -1:
                basis = b
                q = q * ureg.Quantity(1, b)
        canonical = "kWh" if want == "energy" else "kg"
        try:
            q.to(canonical)
        except Exception:
            problems.add(rel, f"row {row}, column unit", f"unit does not fit {carrier}", expected=f"a unit of {want}" + (" (kWh, MJ, ...)" if want == "energy" else " (kg, g, ...)") + ", optionally per cell or per lot", found=repr(unit))
            per.append(None)
            continue
        per.append((basis, float(q.to(canonical).magnitude)))
        if not (hasattr(ps, "date") and hasattr(pe, "date")):
            continue
        if pe < ps:
            problems.add(rel, f"row {row}, column period_end", "period ends before it starts", expected=f">= {ps.date()}", found=str(pe.date()))
    df["kind"] = kinds
    df["basis"] = [p[0] if p else None for p in per]
    df["factor"] = [p[1] if p else None for p in per]
    return df


def _known_materials() -> set[str]:
    try:
        from .lca import known_materials

        return set(known_materials())
    except Exception:  # LCA model unavailable: no materials can be metered
        return set()
