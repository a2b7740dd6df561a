"""The declaration file as a document: YAML (:mod:`liplanet_cert.infra.safeyaml`) or strict JSON,
parsed into a mapping, every refusal a located :class:`~liplanet_cert.errors.BundleError` —
malformed text, nesting deeper than YAML may be, not a mapping, text that is not valid Unicode."""

from __future__ import annotations

import json
from typing import Any

from liplanet_cert.bundle.textfile import decode_text
from liplanet_cert.errors import BundleError, Problem, clip
from liplanet_cert.infra import safeyaml
from liplanet_cert.infra.inputfile import strict_json, unicode_problem


def parse_document(rel: str, data: bytes) -> Any:
    """The document in ``data`` (file ``rel``: JSON if it ends in ``.json``, else YAML), a mapping."""
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
