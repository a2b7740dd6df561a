"""Reading a stored result: the JSON a result file holds, trusted only once it is known to be one.

A result file (``assess --format json`` / ``-o json:FILE``, or one a batch run stored) is read by
``verify``, by ``batch --previous`` and by ``criteria impact``.  :func:`read_result` reads it bounded
(a regular file of at most :data:`MAX_RESULT_BYTES`, at most :data:`MAX_RESULT_CONTAINERS` objects
and arrays), as strict UTF-8 JSON of Unicode text, and validates it against the published result
schema (its assessed form) before any field of it is used: a field of the wrong type is a located
problem (:func:`result_schema_problems`), not a crash.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from liplanet_cert.errors import IntegrityError, LiplanetError, Problem
from liplanet_cert.infra.schema_problems import value_text

MAX_RESULT_BYTES = 64 * 1024 * 1024  # a result lists every capacity measured: ~9 bytes per cell tested
# Objects and arrays in a result: tens of findings, steps and days, one input per bundle file (at most
# LIPLANET_MAX_ENTRIES).  Counted (as '{' and '[' bytes) before parsing, so that a file of empty objects
# (~25x its size once parsed) cannot take more memory than a real result (~4x: numbers and short text).
MAX_RESULT_CONTAINERS = 200_000
MAX_SCHEMA_PROBLEMS = 20  # of a result that is not one: enough to see what it is


def read_result(path: str | Path, *, escaped_names: bool = False) -> dict[str, Any]:
    """Read a JSON result written by ``assess``; raises :class:`IntegrityError` if it is not one.

    The file is read bounded (a regular file of at most MAX_RESULT_BYTES), must be UTF-8 JSON of
    Unicode text only, and must validate against the published result schema (its assessed form)
    before any field of it is used: a field of the wrong type is a located problem, not a crash.
    ``escaped_names``: keep ``\\udcXX`` escapes (a bundle folder whose name is not UTF-8, as batch
    stores it) instead of refusing them."""
    path = Path(path)
    doc = _read_json_object(path)
    _check_assessed(str(path), doc, escaped_names)
    return doc


def _read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object of a result file, read bounded; :class:`IntegrityError` if it is not one."""
    from liplanet_cert.bundle.textfile import decode_text
    from liplanet_cert.infra.inputfile import read_input_file, strict_json

    data = read_input_file(path, "result", MAX_RESULT_BYTES, error=IntegrityError)
    containers = data.count(b"{") + data.count(b"[")
    if containers > MAX_RESULT_CONTAINERS:
        raise IntegrityError(
            Problem(
                str(path),
                "whole file",
                "not a result written by assess: too many objects and arrays",
                expected=f"at most {MAX_RESULT_CONTAINERS} '{{' and '[' in all",
                found=str(containers),
            )
        )
    try:
        doc = strict_json(decode_text(str(path), data))
    except json.JSONDecodeError as exc:
        raise IntegrityError(
            Problem(
                str(path),
                f"line {exc.lineno}, column {exc.colno}",
                f"not JSON: {exc.msg}",
                expected="a JSON result (assess --format json)",
            )
        ) from None
    except (ValueError, RecursionError) as exc:
        raise IntegrityError(
            Problem(
                str(path), "document", f"not JSON: {exc}", expected="a JSON result (assess --format json)"
            )
        ) from None
    except LiplanetError as exc:
        raise IntegrityError(exc.problems) from None
    del data
    if not isinstance(doc, dict):
        raise IntegrityError(
            Problem(
                str(path),
                "#",
                "not a result",
                expected="a JSON object (assess --format json), not a list: verify one result at a time",
                found=type(doc).__name__,
            )
        )
    return doc


def _check_assessed(name: str, doc: dict[str, Any], escaped_names: bool) -> None:
    """:class:`IntegrityError` unless ``doc`` is the result of an assessment, of the published schema."""
    from liplanet_cert.infra.inputfile import unicode_problem

    bad = None if escaped_names else unicode_problem(doc)
    if bad is not None:
        raise IntegrityError(
            Problem(
                name,
                bad[0],
                "not valid Unicode text (a lone surrogate, e.g. a \\ud800 escape)",
                expected="text of Unicode characters",
            )
        )
    if doc.get("verdict") is None and "status" in doc:
        raise IntegrityError(
            Problem(
                name,
                "#/verdict",
                "the result has no verdict: its bundle was not assessed, so there is nothing to verify",
                expected="the result of an assessment (verdict approved, approved_with_observations or not_approved)",
                found=f"status {value_text(doc.get('status'), 40)}",
            )
        )
    missing = [
        k
        for k in ("schema_version", "verdict", "assessed_on", "criteria", "inputs", "findings")
        if k not in doc
    ]
    if missing:
        raise IntegrityError(
            Problem(name, "#", "not a result written by assess", expected="fields " + ", ".join(missing))
        )
    problems = result_schema_problems(name, doc)
    if problems:
        raise IntegrityError(problems)
    try:
        date.fromisoformat(str(doc["assessed_on"]))
    except ValueError:
        raise IntegrityError(
            Problem(
                name,
                "#/assessed_on",
                "not a date",
                expected="YYYY-MM-DD",
                found=repr(doc["assessed_on"])[:40],
            )
        ) from None


@cache
def _assessed_schema() -> dict[str, Any]:
    """The published result schema, narrowed to its assessed form (built once per process)."""
    from liplanet_cert.infra.resources import load_schema

    schema = load_schema("result")
    return {"$schema": schema.get("$schema"), "$defs": schema["$defs"], "$ref": "#/$defs/assessed"}


def result_schema_problems(name: str, doc: Any) -> list[Problem]:
    """Where ``doc`` is not an assessed result of the published schema (the first
    :data:`MAX_SCHEMA_PROBLEMS` the validator finds, by location)."""
    from liplanet_cert.infra.schema_problems import schema_problems

    problems = schema_problems(name, doc, _assessed_schema(), describe=_describe, limit=MAX_SCHEMA_PROBLEMS)
    return sorted(problems, key=lambda p: p.location)


def _describe(err: Any) -> tuple[str, str, str]:
    """(message, expected, found) of a validation error of a result: what is not as assess writes it."""
    expected = ""
    if err.validator == "type":
        expected = f"type {err.validator_value}"
    elif err.validator == "enum":
        expected = "one of " + ", ".join(map(str, err.validator_value))
    message = err.message if len(err.message) <= 200 else err.message[:200] + "..."
    return "not a result written by assess: " + message, expected, value_text(err.instance, 60)
