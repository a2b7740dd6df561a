"""JSON Lines reporter: one compact result per line (``Result.to_dict()``), for streaming tools."""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..models import Result
from .base import Reporter


def dumps_line(data: Any) -> str:
    """One deterministic JSON line (sorted keys, no spaces, newline-terminated, no raw newlines inside)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


class JSONLReporter(Reporter):
    name = "jsonl"
    suffix = ".jsonl"

    def render(self, result: Result) -> str:
        return dumps_line(result.to_dict())

    def render_many(self, results: Iterable[Result]) -> str:
        return "".join(self.render(r) for r in results)
