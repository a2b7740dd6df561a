"""JSON-Schema validation of an input document, its errors turned into located problems.

Every document a user writes (a bundle's declaration, a criteria pack, a waiver file) and every
result ``verify`` reads is checked against a published schema (``liplanet_cert/schemas``).  Each
validation error becomes one :class:`~liplanet_cert.errors.Problem` located by the JSON pointer of
the offending value: :func:`schema_problems` does that once for all of them; what each caller says
about an error (message, expected, found) is its ``describe`` function, :func:`describe_error` by
default.  ``jsonschema`` is imported only when a document is validated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from liplanet_cert.errors import Problem
from liplanet_cert.infra.textsafe import did_you_mean

Describe = Callable[[Any], tuple[str, str, str]]  # a validation error -> (message, expected, found)
_REQUIRED = re.compile(r"'([^']+)' is a required property")


def schema_problems(
    file: str,
    doc: Any,
    schema: Mapping[str, Any],
    *,
    describe: Describe | None = None,
    order: Callable[[Any], Any] | None = None,
    at_missing_field: bool = False,
    limit: int | None = None,
) -> list[Problem]:
    """The problems of ``doc`` (a document of ``file``) against ``schema`` (Draft 2020-12, formats
    checked), one per validation error, located by :func:`error_pointer`.

    ``describe`` says (message, expected, found) of an error (default :func:`describe_error`);
    ``order`` is the sort key of the errors (:func:`path_text_order`, :func:`document_order`; None:
    as the validator finds them); ``at_missing_field`` points a missing required field at the field
    itself; ``limit`` stops after that many problems.

    A valid document (the usual case) is recognised by the compiled validator of ``jsonschema-rs``
    in microseconds; only an invalid one goes through ``jsonschema``, the reference implementation,
    whose errors the problems are made of (so their words do not depend on the fast validator)."""
    if _quickly_valid(schema, doc):
        return []
    from jsonschema import Draft202012Validator

    describe = describe or describe_error
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = validator.iter_errors(doc)
    if order is not None:
        errors = iter(sorted(errors, key=order))
    problems: list[Problem] = []
    for err in errors:
        message, expected, found = describe(err)
        problems.append(Problem(file, error_pointer(err, at_missing_field), message, expected, found))
        if limit is not None and len(problems) >= limit:
            break
    return problems


_COMPILED: dict[int, tuple[Mapping[str, Any], Any]] = {}  # id(schema) -> (schema, compiled validator)


def _compiled(schema: Mapping[str, Any]) -> Any:
    """The ``jsonschema-rs`` validator of ``schema`` (Draft 2020-12, formats checked), compiled once
    per schema object (the shipped schemas are loaded once per process)."""
    hit = _COMPILED.get(id(schema))
    if hit is None or hit[0] is not schema:  # the id of a schema no longer alive may be reused
        import jsonschema_rs

        hit = (schema, jsonschema_rs.Draft202012Validator(dict(schema), validate_formats=True))
        _COMPILED[id(schema)] = hit
    return hit[1]


def _quickly_valid(schema: Mapping[str, Any], doc: Any) -> bool:
    """True when the fast validator finds ``doc`` valid; False when it finds it invalid or cannot
    read it (a value JSON has no type for, e.g. the bytes of a YAML ``!!binary``; a text with a
    lone surrogate from a file name that is not UTF-8, which older jsonschema-rs releases refuse
    with a SystemError, or a Rust panic): then the reference validator decides."""
    try:
        return bool(_compiled(schema).is_valid(doc))
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # noqa: BLE001  (pyo3's PanicException derives from BaseException)
        return False


def path_text_order(err: Any) -> list[str]:
    """Sort key: the error's path, each step as text (``/10`` before ``/9``)."""
    return [str(p) for p in err.absolute_path]


def document_order(err: Any) -> tuple[list[Any], str]:
    """Sort key: the error's path as it is (array indexes as numbers), then its message."""
    return list(err.absolute_path), err.message


def error_pointer(err: Any, at_missing_field: bool = False) -> str:
    """The JSON pointer (``#/a/0/b``) of the value an error is about; with ``at_missing_field``, a
    missing required field's own pointer (so that the checks of its siblings still run)."""
    path = [str(p) for p in err.absolute_path]
    if at_missing_field and err.validator == "required":
        missing = _REQUIRED.match(err.message)
        if missing:
            path.append(missing.group(1))
    return "#/" + "/".join(path)


def describe_error(err: Any) -> tuple[str, str, str]:
    """(message, expected, found) of a validation error in the tool's words: "unknown field: x",
    "x is required", "value not allowed" (one of ...), the type, format or pattern expected, and
    the offending value shortened (:func:`found_value`)."""
    return _message(err), _expected(err), found_value(err.instance)


def _message(err: Any) -> str:
    if err.validator == "additionalProperties":
        unknown = err.message.split("(")[-1].rstrip(")").replace(" were unexpected", "")
        unknown = unknown.replace(" was unexpected", "")
        known = list((err.schema or {}).get("properties", {}))
        names = [n.strip().strip("'") for n in unknown.split(",")]
        return "unknown field: " + unknown + (did_you_mean(names[0], known) if len(names) == 1 else "")
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    if err.validator == "enum":
        known = [str(v) for v in err.validator_value]
        return "value not allowed" + (
            did_you_mean(err.instance, known) if isinstance(err.instance, str) else ""
        )
    return err.message if len(err.message) < 200 else err.message[:200] + "..."


def _expected(err: Any) -> str:
    if err.validator == "enum":
        return "one of " + ", ".join(map(str, err.validator_value))
    if err.validator == "type":
        return f"type {err.validator_value}"
    if err.validator == "format":
        return f"format {err.validator_value} (e.g. 2026-03-31)"
    if err.validator == "pattern":
        return f"text matching {err.validator_value}"
    return ""


def found_value(value: Any) -> str:
    """A value of a document as a problem shows it: a string quoted (``repr``), anything else as
    JSON, at most 80 characters (:func:`shorten`)."""
    return shorten(
        json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    )


def shorten(text: str, limit: int = 80) -> str:
    """``text``, or its first ``limit - 3`` characters followed by "..." (``limit`` in all)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def value_text(value: Any, limit: int = 80) -> str:
    """A value as text, unquoted: a string as it is, anything else as JSON with its keys sorted,
    at most ``limit`` characters (:func:`shorten`)."""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    )
    return shorten(text, limit)
