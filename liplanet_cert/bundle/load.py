"""Submission bundle v1: load, validate, and return a typed :class:`Bundle`.

A bundle is a directory (or a ``.zip`` of one) holding
- ``declaration.yaml`` / ``.yml`` / ``.json`` — validated against ``schemas/declaration.schema.json``
  (``liplanet-cert schema bundle``), every quantity parsed and dimension-checked with pint;
- ``production_log.csv`` — one row per lot and step;
- ``eol_tests.csv`` — one row per cell (end-of-line test);
- ``energy.csv`` — metered energy and materials per step and period (long format, unit per row);
- optional evidence files, referenced with their sha256.

CSV columns that carry a physical quantity declare their unit in the header, e.g.
``capacity [Ah]``; reading the CSV files themselves (encoding, delimiter, strict numbers and dates,
grouped row problems) is :mod:`liplanet_cert.bundle.csvlog`.  :func:`load_bundle` collects *every* problem before raising one
:class:`~liplanet_cert.errors.BundleError`, so ``validate`` can list them all at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from liplanet_cert.assessment.result import InputFile
from liplanet_cert.bundle.csvlog import RowProblems, Table, dates, look_alikes, numbers, read_csv
from liplanet_cert.bundle.source import DEFAULT_LIMITS, BundleSource, Limits, decode_text, sha256_bytes
from liplanet_cert.catalogue import (
    CELL_QUANTITIES,
    ENERGY_CARRIERS,
    KPI_SPECS,
    facility_services,
    production_steps,
)
from liplanet_cert.errors import BundleError, Problem, ProblemCollector, clip, quote
from liplanet_cert.infra import safeyaml
from liplanet_cert.infra.inputfile import strict_json, unicode_problem
from liplanet_cert.infra.resources import load_json, load_schema
from liplanet_cert.units import (
    MAX_QUANTITY_CHARS,
    MAX_UNIT_FACTOR,
    QuantityError,
    parse_quantity,
    to_unit,
    unit_quantity,
)

DECLARATION_NAMES = ("declaration.yaml", "declaration.yml", "declaration.json")
# A declaration is a few KB (2,000 evidence entries: about 400 KB); parsed YAML takes up to ~200x its size
# in memory, so the declaration has a limit of its own, far below LIPLANET_MAX_FILE_BYTES.
MAX_DECLARATION_BYTES = 512 * 1024
DEFAULT_FILES = {"production_log": "production_log.csv", "eol_tests": "eol_tests.csv", "energy": "energy.csv"}


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
        return (
            f"{self.declaration_file}#/steps/{list(self.steps).index(step)}"
            if step in self.steps
            else f"{self.declaration_file}#/steps"
        )


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
    # (sha256, size) of each file as it was read: the recorded hashes are those of the bytes parsed.
    # The bytes themselves are not kept: a log is parsed and dropped before the next one is read.
    digests: dict[str, tuple[str, int]] = {}

    def read(rel: str, max_bytes: int | None = None, what: str = "") -> bytes:
        data = src.read(rel, max_bytes, what)
        digests[rel] = (sha256_bytes(data), len(data))
        return data

    def digest(rel: str) -> tuple[str, int]:
        if rel not in digests:
            digests[rel] = src.digest(rel)
        return digests[rel]

    # A declaration that is missing or unreadable is a problem like any other: the logs are still
    # read (with the default names, no declared steps or period) so that one run lists everything.
    decl: Any = None
    if decl_name is None:
        problems.add(
            src.display,
            message="no declaration found",
            expected=" or ".join(DECLARATION_NAMES) + " at the bundle root",
            found=", ".join(names[:8]) or "no files",
        )
    else:
        try:
            decl = _parse_document(decl_name, read(decl_name, MAX_DECLARATION_BYTES, "a declaration"))
        except BundleError as exc:
            problems.problems.extend(exc.problems)
    if decl is not None:
        _schema_problems(decl_name, decl, problems)
    schema_bad = {p.location for p in problems.problems} if decl is not None else {"#"}
    decl_name = decl_name or DECLARATION_NAMES[0]

    def ok(pointer: str) -> bool:
        """True when the schema found nothing wrong at or below ``pointer`` (or above it)."""
        return not any(
            b == pointer or b.startswith(pointer + "/") or pointer.startswith(b + "/") or b == "#"
            for b in schema_bad
        )

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
        problems.add(
            decl_name,
            "#/reporting_period",
            "reporting period ends before it starts",
            expected="start <= end",
            found=f"{start} .. {end}",
        )
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
                problems.add(
                    decl_name, pointer, f"declared KPI {name} is negative", expected=">= 0", found=str(value)
                )
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
            problems.add(
                decl_name,
                f"#/steps/{i}/step",
                "step declared twice",
                expected="each step once",
                found=item["step"],
            )
        steps[item["step"]] = item["automation"]

    files = {**DEFAULT_FILES, **(get("files") if ok("#/files") and isinstance(get("files"), dict) else {})}
    # Each log is read on its own: a problem in one (even an unreadable file) never stops the others.
    logs: dict[str, Any] = {}
    readers = {
        "production_log": (
            "production log",
            lambda rel, data: _csv_production(rel, data, steps if steps_ok else None, start, end, problems),
        ),
        "eol_tests": ("end-of-line test file", lambda rel, data: _csv_eol(rel, data, problems, start, end)),
        "energy": (
            "energy metering file",
            lambda rel, data: _csv_energy(rel, data, steps if steps_ok else None, start, end, problems),
        ),
    }
    for role, (what, reader) in readers.items():
        rel = files[role]
        logs[role] = None
        if src.exists(rel):
            try:  # the reader reads the file itself, so that its bytes go as soon as they are parsed
                logs[role] = reader(rel, lambda rel=rel: read(rel))
            except BundleError as exc:  # e.g. a file over the size limit
                problems.problems.extend(exc.problems)
        elif decl is not None:  # (without a declaration, where the logs should be is unknown)
            hint = look_alikes(rel, names)
            expected = f"a CSV file (declared in #/files/{role} or named {DEFAULT_FILES[role]})"
            if role == "energy":
                expected += "; meter what you can and leave steps out to use the reference model"
            problems.add(
                rel,
                message=f"{what} not found in the bundle" + (f": {hint}" if hint else ""),
                expected=expected,
            )
    production, eol, energy = logs["production_log"], logs["eol_tests"], logs["energy"]

    # cross-file consistency
    if production is not None and eol is not None and len(eol):
        known = set(production["lot_id"].tolist())
        lots = eol["lot_id"].tolist()
        if not set(lots) <= known:
            rp = RowProblems(files["eol_tests"])
            for row, lot in zip(eol["_row"].tolist(), lots):
                if lot not in known:
                    rp.add(
                        row,
                        "lot_id",
                        "lot not in the production log",
                        expected=f"a lot id of {files['production_log']}",
                        found=lot,
                    )
            rp.flush(problems)

    evidence = []
    for i, ev in enumerate(get("evidence") if ok("#/evidence") and get("evidence") else []):
        rel = ev["path"]
        if not src.exists(rel):
            problems.add(
                decl_name, f"#/evidence/{i}/path", "evidence file not found in the bundle", found=rel
            )
            continue
        actual = digest(rel)[0]
        if actual != ev["sha256"]:
            problems.add(
                decl_name,
                f"#/evidence/{i}/sha256",
                f"sha256 of {rel} does not match",
                expected=ev["sha256"],
                found=actual,
            )
        evidence.append({"path": rel, "sha256": actual, "description": ev.get("description", "")})

    passport = _passport(decl_name, get("passport"), problems) if ok("#/passport") else None
    problems.raise_if_any(BundleError)

    inputs = []
    for rel in names:
        sha, size = digest(rel)
        inputs.append(InputFile(rel, sha, size))

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
            doc = strict_json(text)
        except json.JSONDecodeError as exc:
            raise BundleError(
                Problem(rel, f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")
            ) from None
        except (ValueError, RecursionError) as exc:
            raise BundleError(Problem(rel, "document", f"malformed JSON: {exc}")) from None
    else:
        try:
            doc = safeyaml.load(text)
        except ValueError as exc:
            raise BundleError(
                Problem(
                    rel,
                    getattr(exc, "location", "") or "document",
                    f"malformed YAML: {getattr(exc, 'problem', exc)}",
                )
            ) from None
    if not isinstance(doc, dict):
        raise BundleError(
            Problem(
                rel,
                "#",
                "declaration must be a mapping",
                expected="an object with format_version, pilot_line, ...",
                found=type(doc).__name__,
            )
        )
    bad = unicode_problem(doc)
    if bad is not None:  # e.g. JSON's "\ud800": it could be read but never written to any report
        raise BundleError(
            Problem(
                rel,
                bad[0],
                "not valid Unicode text (a lone surrogate, e.g. a \\ud800 escape)",
                expected="text of Unicode characters",
                found=_surrogate_text(bad[1]),
            )
        )
    return doc


def _surrogate_text(text: str) -> str:
    """``text`` printable: its surrogates escaped (``\\ud800``), at most 60 characters of it."""
    return "'" + clip(text.encode("utf-8", "backslashreplace").decode("utf-8")) + "'"


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
                raise BundleError(
                    Problem(
                        rel,
                        f"line {line}",
                        f"malformed JSON: nesting deeper than {safeyaml.MAX_DEPTH} levels",
                        expected=f"at most {safeyaml.MAX_DEPTH} levels",
                    )
                )
        elif ch in "]}":
            depth -= 1


def _schema_problems(rel: str, doc: Any, problems: ProblemCollector) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        load_schema("declaration"), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for err in sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message)):
        path = [str(p) for p in err.absolute_path]
        missing = (
            re.match(r"'([^']+)' is a required property", err.message)
            if err.validator == "required"
            else None
        )
        if missing:  # point at the missing field, so the checks of its siblings still run
            path.append(missing.group(1))
        pointer = "#/" + "/".join(path)
        problems.add(
            rel, pointer, _schema_message(err), expected=_schema_expected(err), found=_short(err.instance)
        )


def _schema_message(err: Any) -> str:
    if err.validator == "additionalProperties":
        return "unknown field: " + err.message.split("(")[-1].rstrip(")").replace(
            " were unexpected", ""
        ).replace(" was unexpected", "")
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


# -- CSV logs ------------------------------------------------------------------------------
# Reading a CSV (encoding, delimiter, header, numbers, dates, grouped row problems) is
# :mod:`liplanet_cert.bundle.csvlog`; what each log must contain is here.


def _csv_production(
    rel: str,
    data: bytes | Callable[[], bytes],
    steps: dict[str, str] | None,
    start: date | None,
    end: date | None,
    problems: ProblemCollector,
) -> Table | None:
    import numpy as np

    c = read_csv(
        rel,
        data,
        {"date": None, "step": None, "lot_id": None, "units_in": None, "good_out": None, "scrap": None},
        {"electrode_length": "length"},
        problems,
    )
    if c is None:
        return None
    rp = c.row_problems
    before = len(rp)  # (rows with the wrong number of fields are left out of the columns)
    conv: dict[str, Any] = {"date": dates(c, "date", start, end)}
    for col in ("units_in", "good_out", "scrap"):
        conv[col] = numbers(c, col, integer=True)
    if "electrode_length" in c:
        conv["electrode_length"] = numbers(c, "electrode_length", to="m", allow_blank=True)
    else:
        conv["electrode_length"] = np.full(len(c.rows), np.nan)
    known = set(production_steps())
    step_col, lot_col = c.text("step"), c.text("lot_id")
    if not set(step_col) <= (known if steps is None else known & set(steps)) or "" in lot_col:
        for row, step, lot in zip(c.rows.tolist(), step_col, lot_col):
            if step not in known:
                rp.add(
                    row,
                    "step",
                    "unknown step",
                    expected="one of " + ", ".join(sorted(known)),
                    found=quote(step),
                    by_value=True,
                )
            elif steps is not None and step not in steps:
                rp.add(
                    row,
                    "step",
                    "step not declared in the declaration",
                    expected="one of the declared steps: " + ", ".join(steps),
                    found=step,
                    by_value=True,
                )
            if not lot:
                rp.add(row, "lot_id", "missing lot id", expected="a lot or batch id")
    if len(rp) == before:  # the cells are sound: check the rows
        uin, good, scrap = conv["units_in"], conv["good_out"], conv["scrap"]
        for k in np.flatnonzero(good + scrap != uin).tolist():
            rp.add(
                int(c.rows[k]),
                None,
                "units do not add up",
                expected="units_in = good_out + scrap",
                found=f"units_in = {int(uin[k])}, good_out + scrap = {int(good[k])} + {int(scrap[k])}",
            )
        if _has_duplicates(step_col, lot_col):  # (pairs as numbers: no tuple per row)
            seen: set[tuple[str, str]] = set()
            for k, p in enumerate(zip(step_col, lot_col)):
                if p in seen:
                    rp.add(
                        int(c.rows[k]),
                        None,
                        "lot logged twice for the same step",
                        expected="one row per lot and step",
                        found=f"{p[1]} / {p[0]}",
                    )
                seen.add(p)
    return c.table(conv, problems)


def _codes(texts: list[str]) -> Any:
    """Each text as the index of its value's first occurrence (an int64 array)."""
    from itertools import count

    import numpy as np

    index: dict[str, int] = {}
    return np.fromiter(map(index.setdefault, texts, count()), dtype=np.int64, count=len(texts))


def _has_duplicates(a: list[str], b: list[str]) -> bool:
    """Whether some pair (a[k], b[k]) occurs twice (compared as numbers: no tuple per row)."""

    keys = _codes(b) * max(len(a), 1) + _codes(a)
    keys.sort()
    return bool(len(keys) > 1 and (keys[1:] == keys[:-1]).any())


def _csv_eol(
    rel: str,
    data: bytes | Callable[[], bytes],
    problems: ProblemCollector,
    start: date | None = None,
    end: date | None = None,
) -> Table | None:
    import numpy as np

    c = read_csv(
        rel,
        data,
        {"cell_id": None, "lot_id": None, "capacity": "charge", "result": None},
        {
            "internal_resistance": "resistance",
            "ocv_drop": "voltage",
            "self_discharge": "dimensionless",
            "date": None,
        },
        problems,
    )
    if c is None:
        return None
    rp = c.row_problems
    conv: dict[str, Any] = {"capacity": numbers(c, "capacity", to="Ah")}
    if "date" in c:
        conv["date"] = dates(c, "date", start, end)
    if "internal_resistance" in c:
        conv["internal_resistance"] = numbers(c, "internal_resistance", to="mohm", allow_blank=True)
    if "ocv_drop" in c:
        conv["ocv_drop"] = numbers(c, "ocv_drop", to="mV", allow_blank=True)
    results = c.text("result")
    lower = {t: t.lower() for t in set(results)}  # a few distinct values: no new string per row
    if not set(lower.values()) <= {"pass", "fail"}:
        for row, text in zip(c.rows.tolist(), results):
            if lower[text] not in ("pass", "fail"):
                rp.add(
                    row,
                    "result",
                    "unknown test result",
                    expected="pass or fail",
                    found=quote(text),
                    by_value=True,
                )
    passes = {t for t, low in lower.items() if low == "pass"}
    conv["passed"] = np.fromiter((t in passes for t in results), dtype=bool, count=len(results))
    repeated = c.repeats("cell_id")  # (cell ids are unique: no Python string per cell is kept)
    if repeated:
        ids = c.column("cell_id")
        for k in repeated:
            rp.add(int(c.rows[k]), "cell_id", "cell tested twice", expected="one row per cell", found=ids[k])
    return c.table(conv, problems, compact=("cell_id",))


@lru_cache(maxsize=512)
def _energy_unit(unit: str, want: str) -> tuple[str | None, float] | str:
    """``unit`` of an energy.csv row -> (basis: None | "cell" | "lot", factor to kWh or kg), or the
    reason it does not fit ("long" / "unknown" / "dimension" / "range": absurdly large or small)."""
    import math

    from liplanet_cert.units import MAX_UNIT_FACTOR, registry

    try:
        q = unit_quantity(unit)
    except QuantityError:  # longer than any unit: pint never sees it
        return "long"
    except Exception:
        return "unknown"
    basis = None
    for b, dim in (("cell", "[cell]"), ("lot", "[batch]")):
        if q.dimensionality.get(dim, 0) == -1:
            basis = b
            q = q * registry().Quantity(1, b)
    try:
        factor = float(q.to("kWh" if want == "energy" else "kg").magnitude)
    except Exception:
        return "dimension"
    if not (math.isfinite(factor) and 1 / MAX_UNIT_FACTOR <= abs(factor) <= MAX_UNIT_FACTOR):
        return "range"
    return basis, factor


@lru_cache(maxsize=256)
def _accuracy(text: str) -> float | QuantityError:
    try:
        return to_unit(parse_quantity(text, "dimensionless"), "dimensionless")
    except QuantityError as exc:
        return exc


def _csv_energy(
    rel: str,
    data: bytes | Callable[[], bytes],
    steps: dict[str, str] | None,
    start: date | None,
    end: date | None,
    problems: ProblemCollector,
) -> Table | None:
    import numpy as np

    c = read_csv(
        rel,
        data,
        {
            "step": None,
            "period_start": None,
            "period_end": None,
            "carrier": None,
            "amount": None,
            "unit": None,
        },
        {"meter_accuracy": None, "meter_id": None},
        problems,
    )
    if c is None:
        return None
    rp = c.row_problems
    conv: dict[str, Any] = {
        "period_start": dates(c, "period_start", start, end),
        "period_end": dates(c, "period_end", start, end),
        "amount": numbers(c, "amount"),
    }
    if "meter_accuracy" in c:
        acc: list[float | None] = []
        for row, text in zip(c.rows.tolist(), c.text("meter_accuracy")):
            a = _accuracy(text) if text else None
            if isinstance(a, QuantityError):
                rp.add(row, "meter_accuracy", a.message, a.expected, a.found, by_value=True)
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
    for k, (row, step, carrier, unit) in enumerate(
        zip(c.rows.tolist(), c.text("step"), c.text("carrier"), c.text("unit"))
    ):
        if step not in allowed_steps:
            rp.add(
                row,
                "step",
                "step not declared (or not a facility service)",
                expected="one of " + ", ".join(sorted(allowed_steps)),
                found=quote(step),
                by_value=True,
            )
        if carrier in ENERGY_CARRIERS:
            want = "energy"
        elif carrier in materials:
            want = "mass"
        else:
            rp.add(
                row,
                "carrier",
                "unknown carrier",
                expected="electricity, natural_gas or a material of the LCA model: "
                + ", ".join(sorted(materials)),
                found=quote(carrier),
                by_value=True,
            )
            kinds.append(None)
            per.append(None)
            continue
        kinds.append(want)
        fit = _energy_unit(unit, want)
        if fit == "long":
            rp.add(
                row,
                "unit",
                "unit too long",
                expected=f"a unit of {want}, at most {MAX_QUANTITY_CHARS} characters",
                found=quote(unit),
            )
            per.append(None)
            continue
        if fit == "unknown":
            rp.add(
                row,
                "unit",
                "unknown unit",
                expected=f"a unit of {want} (total), per cell or per lot, e.g. kWh, MJ, kWh/cell, kg/lot",
                found=quote(unit),
                by_value=True,
            )
            per.append(None)
            continue
        if fit == "dimension":
            rp.add(
                row,
                "unit",
                f"unit does not fit {carrier}",
                expected=f"a unit of {want}"
                + (" (kWh, MJ, ...)" if want == "energy" else " (kg, g, ...)")
                + ", optionally per cell or per lot",
                found=quote(unit),
                by_value=True,
            )
            per.append(None)
            continue
        if fit == "range":
            rp.add(
                row,
                "unit",
                "unit out of range",
                expected=f"a unit of {want} within {MAX_UNIT_FACTOR:g} times "
                + ("kWh" if want == "energy" else "kg")
                + " either way",
                found=quote(unit),
                by_value=True,
            )
            per.append(None)
            continue
        per.append(fit)  # type: ignore[arg-type]
        ps, pe = ps_col[k], pe_col[k]
        if not (np.isnat(ps) or np.isnat(pe)) and pe < ps:
            rp.add(
                row,
                "period_end",
                "period ends before it starts",
                expected="period_end >= period_start",
                found=f"{str(ps)[:10]} .. {str(pe)[:10]}",
            )
    conv["kind"] = kinds
    conv["basis"] = [p[0] if p else None for p in per]
    conv["factor"] = [p[1] if p else None for p in per]
    return c.table(conv, problems, compact=("meter_id",))


def _known_materials() -> set[str]:
    try:
        from liplanet_cert.lca import known_materials

        return set(known_materials())
    except Exception:  # LCA model unavailable: no materials can be metered
        return set()
