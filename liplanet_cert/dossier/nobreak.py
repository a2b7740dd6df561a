"""No line break inside a value in the dossier's HTML.

A line never ends between a comparator and its number ("≥ | 20"), a number and its unit
("20 | cell/day", "4 | %") or inside a hyphenated value ("semi- | automatic"): :func:`glue` makes
those spaces non-breaking (U+00A0) and wraps the declaration's hyphenated enum values in a no-wrap
span (the text stays searchable and copies as typed).  It is applied to the text of the rendered
HTML only: never to tags, attributes, the style sheet, the ``<title>``, SVG (where a span would not
belong) or code.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

__all__ = ["UNITS", "glue"]

UNITS = (
    "%",
    "‰",
    "pp",
    "Ah",
    "mAh",
    "Wh",
    "kWh",
    "MWh",
    "GWh",
    "V",
    "mV",
    "A",
    "mA",
    "mohm",
    "ohm",
    "mΩ",
    "Ω",
    "m",
    "mm",
    "µm",
    "um",
    "cm",
    "km",
    "m²",
    "kg",
    "g",
    "t",
    "kPa",
    "Pa",
    "bar",
    "s",
    "h",
    "min",
    "d",
    "day",
    "days",
    "cell",
    "cells",
    "°C",
    "K",
    "ppm",
    "MJ",
    "kJ",
    "J",
)
_UNIT = "(?:" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")(?:/[^\s<>,;()]+)?"
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=" + _UNIT + r"(?![\w°²]))")
_COMPARATOR_NUMBER = re.compile(r"(≥|≤|≠|±|=|&lt;|&gt;|&lt;=|&gt;=) (?=[-+−]?\d)")


@lru_cache(maxsize=1)
def _hyphenated_values() -> re.Pattern[str]:
    """The hyphenated enum values of a declaration ("semi-automatic"), as whole words."""
    from liplanet_cert.infra.resources import schema_path

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "enum" and isinstance(v, list):
                    found.update(
                        x for x in v if isinstance(x, str) and re.fullmatch(r"[a-z]+(?:-[a-z]+)+", x)
                    )
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(schema_path("declaration").read_text(encoding="utf-8")))
    alternatives = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True)) or "(?!)"
    return re.compile(r"(?<![\w./#@&-])(?:" + alternatives + r")(?![\w./#@-])")


_RAW = re.compile(
    r"(<style\b.*?</style>|<title\b.*?</title>|<svg\b.*?</svg>|<pre\b.*?</pre>|<code\b.*?</code>|<[^>]*>)",
    re.S | re.I,
)


def glue(html: str) -> str:
    """``html`` with no line break between a number and its unit or comparator, or inside a
    hyphenated value (see above); tags, attributes, style, title and SVG are left as they are."""
    parts = _RAW.split(html)
    for i in range(0, len(parts), 2):  # the even parts are text between tags
        text = parts[i]
        if not text or not any(ch.isdigit() or ch == "-" for ch in text):
            continue
        text = _COMPARATOR_NUMBER.sub("\\1\u00a0", text)
        text = _NUMBER_UNIT.sub("\u00a0", text)
        parts[i] = _hyphenated_values().sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', text)
    return "".join(parts)
