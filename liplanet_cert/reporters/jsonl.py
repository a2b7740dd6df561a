"""JSON Lines reporter: one compact result per line (``Result.to_dict()``), for streaming tools."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from liplanet_cert.infra.textsafe import json_escape
from liplanet_cert.reporters.base import DocumentReporter, Item


def dumps_line(data: Any) -> str:
    """One deterministic JSON line (sorted keys, no spaces, newline-terminated): whatever the data,
    exactly one line for every reader (no raw newline, NEL, U+2028/U+2029 inside), encodable as UTF-8
    (a lone surrogate as its ``\\uXXXX`` escape), and no control or bidirectional-control character
    raw (:func:`~liplanet_cert.infra.textsafe.json_escape`, as :func:`.json_.dumps`)."""
    return (
        json_escape(
            json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        )
        + "\n"
    )


class JSONLReporter(DocumentReporter):
    name = "jsonl"
    suffix = ".jsonl"
    dump = staticmethod(dumps_line)

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """One line per bundle; a bundle that could not be assessed is a line with its status and message."""
        for item in items:
            out.write(self.dump(item.to_dict()))
