"""JSON reporter: the published result format (``liplanet-cert schema result``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from liplanet_cert.infra.textsafe import json_escape
from liplanet_cert.reporters.base import DocumentReporter, Item


def dumps(data: Any) -> str:
    """Deterministic JSON: sorted keys, fixed indentation, UTF-8 text, trailing newline.  Control,
    bidirectional-control and separator characters from a bundle are written as ``\\uXXXX`` escapes
    (exact data, nothing raw for a terminal or an editor to act on)."""
    return json_escape(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"


class JSONReporter(DocumentReporter):
    name = "json"
    suffix = ".json"
    dump = staticmethod(dumps)

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """A JSON array, streamed: byte-identical to ``dumps([item.to_dict(), ...])``.  A bundle that
        could not be assessed is an object with its bundle, status (invalid | error) and message."""
        sep = "[\n"
        for item in items:
            out.write(sep)
            # an item of the array is the item's own document, indented one level (JSON strings
            # hold no raw newline, so splitting on "\n" is exact)
            out.write("\n".join("  " + line for line in self.dump(item.to_dict()).rstrip("\n").split("\n")))
            sep = ",\n"
        out.write("[]\n" if sep == "[\n" else "\n]\n")
