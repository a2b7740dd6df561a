"""JSON reporter: the published result format (``liplanet-cert schema result``)."""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..models import Result
from .base import Reporter


def dumps(data: Any) -> str:
    """Deterministic JSON: sorted keys, fixed indentation, UTF-8 text, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class JSONReporter(Reporter):
    name = "json"
    suffix = ".json"

    def render(self, result: Result) -> str:
        return dumps(result.to_dict())

    def render_many(self, results: Iterable[Result]) -> str:
        return dumps([r.to_dict() for r in results])
