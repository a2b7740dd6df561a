"""Round-robin protocols: a versioned YAML (or JSON) file, validated by the published JSON Schema
``schemas/roundrobin-protocol.schema.json`` (``liplanet-cert schema roundrobin``), read into a
:class:`RoundRobinProtocol` (a :class:`~liplanet_cert.roundrobin.model.Protocol` that also keeps the
reference design as data); or the defaults without a file (:func:`default_protocol`).

Every problem of a protocol file is a located :class:`RoundRobinError` (exit 2): the schema's, then
a unit pint cannot read, a nominal capacity that is not a charge, limits in the wrong order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liplanet_cert.errors import LiplanetError, Problem
from liplanet_cert.roundrobin.model import MeasurandSpec, Protocol

MAX_PROTOCOL_BYTES = 256 * 1024  # a protocol names a few measurands: a few KB
DEFAULT_LIMITS = (2.0, 3.0)  # ISO 13528:2022, 9.4.1: |z| <= 2 satisfactory, |z| >= 3 unsatisfactory
DEFAULTS_SOURCE = "defaults (no protocol)"


class RoundRobinError(LiplanetError):
    """A round-robin input (results, protocol, bundles for a round) is unusable (exit 2)."""

    kind = "roundrobin"
    title = "invalid round-robin input"


@dataclass(frozen=True)
class ReferenceDesign:
    """The cell the participants of a round build (the protocol's ``reference_design``)."""

    chemistry: str
    format: str
    nominal_capacity_ah: float
    nominal_capacity: str  # as written

    def text(self) -> str:
        return f"{self.chemistry} {self.format} cell, {self.nominal_capacity}"

    def mismatch(self, chemistry: str, format: str, capacity_ah: float) -> str:
        """Why a declared cell is not this design ("" when it is): chemistry and format compared
        with letter case and white space ignored, the nominal capacity equal to 1 ppm in Ah."""
        why = []
        if _norm(chemistry) != _norm(self.chemistry):
            why.append(f"chemistry {chemistry} is not {self.chemistry}")
        if _norm(format) != _norm(self.format):
            why.append(f"format {format} is not {self.format}")
        if not math.isclose(capacity_ah, self.nominal_capacity_ah, rel_tol=1e-6):
            why.append(f"nominal capacity {capacity_ah:g} Ah is not {self.nominal_capacity_ah:g} Ah")
        return "; ".join(why)


def _norm(text: str) -> str:
    return "".join(text.split()).casefold()


@dataclass(frozen=True)
class RoundRobinProtocol(Protocol):
    """A protocol read from a file: the shared :class:`Protocol` plus its reference design."""

    design: ReferenceDesign | None = None


def default_protocol(measurands_with_units: dict[str, str]) -> Protocol:
    """The protocol without a file: each measurand (name -> unit) scored against the Algorithm A
    consensus with sigma_pt the robust SD, limits 2 and 3."""
    specs = {name: MeasurandSpec(name=name, unit=unit) for name, unit in measurands_with_units.items()}
    return Protocol(measurands=specs, source=DEFAULTS_SOURCE)


def load_protocol(path: str | Path) -> RoundRobinProtocol:
    """Read and validate a protocol file; raises :class:`RoundRobinError` with every problem."""
    from liplanet_cert.infra.resources import load_schema
    from liplanet_cert.infra.schema_problems import path_text_order, schema_problems

    name = str(path)
    doc = _parse(Path(path), name)
    problems = schema_problems(
        name, doc, load_schema("roundrobin-protocol"), order=path_text_order, at_missing_field=True
    )
    if problems:
        raise RoundRobinError(problems)
    design = _design(doc["reference_design"], name, problems)
    specs = {m: _spec(m, item, name, problems) for m, item in doc["measurands"].items()}
    if problems:
        raise RoundRobinError(problems)
    return RoundRobinProtocol(
        id=doc["id"],
        version=doc["version"],
        round_id=doc["round_id"],
        reference_design=design.text() if design else "",
        measurands=specs,
        source=name,
        design=design,
    )


def _parse(path: Path, name: str) -> Any:
    from liplanet_cert.infra import safeyaml
    from liplanet_cert.infra.inputfile import read_input_file, strict_json, unicode_problem

    data = read_input_file(path, "round-robin protocol", MAX_PROTOCOL_BYTES, error=RoundRobinError)
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise RoundRobinError(Problem(name, f"byte {exc.start}", "protocol is not UTF-8 text")) from None
    try:
        doc = strict_json(text) if path.suffix.lower() == ".json" else safeyaml.load(text)
    except (ValueError, RecursionError) as exc:
        raise RoundRobinError(
            Problem(name, getattr(exc, "location", ""), f"malformed protocol: {getattr(exc, 'problem', exc)}")
        ) from None
    bad = unicode_problem(doc)
    if bad is not None:
        raise RoundRobinError(
            Problem(name, bad[0], "not valid Unicode text (a lone surrogate)", expected="Unicode text")
        )
    return doc


def _design(doc: dict[str, Any], name: str, problems: list[Problem]) -> ReferenceDesign | None:
    from liplanet_cert.units import QuantityError, parse_quantity, to_unit

    try:
        ah = to_unit(parse_quantity(doc["nominal_capacity"], "charge"), "Ah")
    except QuantityError as exc:
        problems.append(
            Problem(name, "#/reference_design/nominal_capacity", exc.message, exc.expected, exc.found)
        )
        return None
    if not ah > 0:
        problems.append(
            Problem(name, "#/reference_design/nominal_capacity", "not a positive charge", "> 0 Ah", str(ah))
        )
        return None
    return ReferenceDesign(doc["chemistry"].strip(), doc["format"], ah, doc["nominal_capacity"].strip())


def _spec(measurand: str, item: dict[str, Any], name: str, problems: list[Problem]) -> MeasurandSpec:
    where = f"#/measurands/{measurand}"
    unit = item["unit"].strip()
    if not unit_readable(unit):
        problems.append(
            Problem(
                name,
                f"{where}/unit",
                "unknown unit",
                expected="a unit pint reads (Ah, mohm, mV, %)",
                found=repr(unit),
            )
        )
    assigned = item.get("assigned_value", {"method": "algorithm_a"})
    sigma = item.get("sigma_pt", {"method": "robust_sd"})
    limits = item.get("limits", {"satisfactory": DEFAULT_LIMITS[0], "unsatisfactory": DEFAULT_LIMITS[1]})
    low, high = float(limits["satisfactory"]), float(limits["unsatisfactory"])
    if not low < high:
        problems.append(
            Problem(
                name,
                f"{where}/limits",
                "the satisfactory limit must be below the unsatisfactory one",
                expected="satisfactory < unsatisfactory (e.g. 2 and 3)",
                found=f"{low:g} and {high:g}",
            )
        )
    reference = assigned["method"] == "reference"
    return MeasurandSpec(
        name=measurand,
        unit=unit,
        assigned=assigned["method"],
        reference_value=float(assigned["value"]) if reference else None,
        reference_uncertainty=float(assigned["uncertainty"]) if reference else None,
        sigma_pt=float(sigma["value"]) if "value" in sigma else None,
        limits=(low, high),
    )


def unit_readable(unit: str) -> bool:
    """Whether pint reads ``unit`` as a plain unit (no number in front, not absurdly scaled)."""
    from liplanet_cert.units import unit_quantity

    try:
        q = unit_quantity(unit.replace("%", "percent"))
        return bool(q.magnitude == 1)
    except Exception:  # pint's errors: an unknown unit, a syntax it cannot read, ...
        return False
