"""The declaration's specification limits (``#/quality_specs``): per step and quality characteristic
(``schemas/quality_characteristics.json``) a lower and/or upper limit, or a target ± tolerance,
each a quantity with its unit, converted to the characteristic's canonical unit.  Every problem is
located at its pointer; the characteristic's words come from the catalogue (did you mean?)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liplanet_cert.bundle.model import Spec
from liplanet_cert.catalogue import Characteristic, quality_characteristics
from liplanet_cert.errors import ProblemCollector
from liplanet_cert.infra.textsafe import did_you_mean
from liplanet_cert.units import QuantityError, parse_quantity, to_unit

LIMITS = ("lsl", "usl", "target", "tolerance")


def read_quality_specs(
    rel: str, items: Any, ok: Callable[[str], bool], problems: ProblemCollector
) -> dict[tuple[str, str], Spec]:
    """The declared specification limits, by (step, characteristic); ``ok(pointer)``: whether the
    schema found nothing wrong there (what it found is not reported again)."""
    out: dict[tuple[str, str], Spec] = {}
    if not isinstance(items, list):
        return out
    for i, item in enumerate(items):
        ptr = f"#/quality_specs/{i}"
        if not isinstance(item, dict) or not ok(ptr):
            continue
        char = _characteristic(rel, ptr, item, problems)
        if char is None:
            continue
        key = (char.step, char.id)
        if key in out:
            problems.add(
                rel, ptr, "limits declared twice", "each step and characteristic once", f"{key[0]} / {key[1]}"
            )
            continue
        spec = _limits(rel, ptr, item, char, problems)
        if spec is not None:
            out[key] = spec
    return out


def _characteristic(
    rel: str, ptr: str, item: dict[str, Any], problems: ProblemCollector
) -> Characteristic | None:
    """The catalogue's characteristic named by the entry, or None (with its problem)."""
    catalogue = quality_characteristics()
    step, name = str(item.get("step", "")), str(item.get("characteristic", ""))
    if step not in catalogue:
        problems.add(
            rel,
            ptr + "/step",
            "no quality characteristics for this step" + did_you_mean(step, catalogue),
            "one of " + ", ".join(catalogue),
            step,
        )
        return None
    if name not in catalogue[step]:
        problems.add(
            rel,
            ptr + "/characteristic",
            f"not a quality characteristic of {step}" + did_you_mean(name, catalogue[step]),
            "one of " + ", ".join(catalogue[step]),
            name,
        )
        return None
    return catalogue[step][name]


def _limits(
    rel: str, ptr: str, item: dict[str, Any], char: Characteristic, problems: ProblemCollector
) -> Spec | None:
    """The entry's limits in the characteristic's canonical unit, or None (with its problems)."""
    values: dict[str, float] = {}
    for key in LIMITS:
        if key not in item:
            continue
        try:
            values[key] = to_unit(parse_quantity(item[key], char.dimension), char.unit)
        except QuantityError as exc:
            problems.add(rel, f"{ptr}/{key}", f"{char.id} {key}: {exc.message}", exc.expected, exc.found)
    if len(values) < len([k for k in LIMITS if k in item]):
        return None
    lsl, usl, target, tol = (values.get(k) for k in LIMITS)
    if tol is not None:
        if target is None or lsl is not None or usl is not None:
            problems.add(
                rel,
                ptr + "/tolerance",
                "a tolerance goes with a target only",
                "target and tolerance, or lsl/usl",
            )
            return None
        if tol <= 0:
            problems.add(rel, ptr + "/tolerance", "tolerance must be positive", "> 0", str(item["tolerance"]))
            return None
        lsl, usl = target - tol, target + tol
    if lsl is None and usl is None:
        problems.add(rel, ptr, f"no limit for {char.id}", "lsl and/or usl, or target and tolerance")
        return None
    if lsl is not None and usl is not None and not lsl < usl:
        shown = f"lsl {item.get('lsl')} >= usl {item.get('usl')}"
        problems.add(rel, ptr, "lower limit not below the upper limit", "lsl < usl", shown)
        return None
    if target is not None and ((lsl is not None and target < lsl) or (usl is not None and target > usl)):
        problems.add(
            rel, ptr + "/target", "target outside the limits", "lsl <= target <= usl", str(item["target"])
        )
        return None
    return Spec(lsl, usl, target, char.unit, f"{rel}{ptr}")
