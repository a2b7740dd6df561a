"""JSON Lines reporter: one compact result per line (``Result.to_dict()``), for streaming tools."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, TextIO

from ..models import Result, Unassessed
from .base import Item, Reporter


# Characters json.dumps(ensure_ascii=False) leaves raw that still end a line for some readers
# (str.splitlines, JavaScript, editors): NEL, LINE/PARAGRAPH SEPARATOR; and lone surrogates, which
# cannot be encoded as UTF-8 at all.  They can only occur inside JSON strings, where \uXXXX is exact.
_NOT_ONE_LINE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")


def _escape(m: "re.Match[str]") -> str:
    return f"\\u{ord(m.group()):04x}"


def dumps_line(data: Any) -> str:
    """One deterministic JSON line (sorted keys, no spaces, newline-terminated): whatever the data,
    the text is exactly one line for every reader (no raw newline, NEL or U+2028/U+2029 inside) and
    encodes as UTF-8 (a lone surrogate is written as its ``\\uXXXX`` escape)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return _NOT_ONE_LINE.sub(_escape, text) + "\n"


class JSONLReporter(Reporter):
    name = "jsonl"
    suffix = ".jsonl"

    def render(self, result: Result) -> str:
        return dumps_line(result.to_dict())

    def render_unassessed(self, item: Unassessed) -> str:
        return dumps_line(item.to_dict())

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """One line per bundle; a bundle that could not be assessed is a line with its status and message."""
        for item in items:
            out.write(dumps_line(item.to_dict()))
