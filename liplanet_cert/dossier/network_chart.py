"""The chart of the dossier's "Where this line stands" section: one strip per figure (KPI or
footprint), the network's range (min to max), its interquartile box and median, the other lines as
grey dots (no names), and this line as a marked point with its value.

Pure like :mod:`liplanet_cert.dossier.charts` (plain numbers in, one escaped ``<svg>`` string out,
byte-identical for the same inputs); it reuses that module's drawing helpers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from liplanet_cert.dossier.charts import (
    PALETTE,
    _empty,
    _note,
    _open,
    _scale,
    _swatch,
    _text,
    _truncate,
    esc,
    n,
)
from liplanet_cert.dossier.formatting import fmt_value

__all__ = ["network_chart"]

_LABEL = "Where this line stands in the network, per figure"


def _finite(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def network_chart(rows: Sequence[dict[str, Any]], *, width: int = 860) -> str:
    """``rows``: per figure ``title``, ``unit``, ``min``, ``q1``, ``median``, ``q3``, ``max``,
    ``others`` (the other lines' values) and ``value`` (this line's, or None)."""
    rows = [r for r in rows if _finite([*r["others"], r["value"], r["min"]])]
    if not rows:
        return _empty(width, 60, _LABEL, "no figure to compare", "network")
    row_h, top, label_w, right = 30, 8, 250, width - 110
    height = top + row_h * len(rows) + 26
    parts = _open(width, height, _LABEL, "network")
    for i, r in enumerate(rows):
        parts += _strip(r, top + i * row_h, row_h, label_w, right)
    ly = height - 6
    parts += _swatch(label_w, ly, PALETTE["band"], "middle half of the network (Q1–Q3)")
    parts.append(f'<circle cx="{label_w + 215}" cy="{ly - 4}" r="3" fill="{PALETTE["other"]}"/>')
    parts.append(_note(label_w + 222, ly, "another line"))
    parts.append(f'<circle cx="{label_w + 300}" cy="{ly - 4}" r="5" fill="{PALETTE["declared"]}"/>')
    parts.append(_note(label_w + 309, ly, "this line"))
    parts.append("</svg>")
    return "".join(parts)


def _strip(r: dict[str, Any], y: float, row_h: int, left: int, right: int) -> list[str]:
    """One figure: its title, the network's range, box, median, the other lines and this line."""
    values = _finite([*r["others"], r["value"], r["min"], r["max"]])
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 * (abs(lo) or 1), hi + 0.5 * (abs(hi) or 1)
    x = _scale(lo, hi, left + 6, right - 6)
    mid = y + row_h / 2
    title = f"{r['title']} ({r['unit']})" if r["unit"] else r["title"]
    out = [_text(left - 8, mid + 4, _truncate(title, 44), size=10.5, anchor="end")]
    if r["min"] is not None:
        out.append(
            f'<line x1="{n(x(r["min"]))}" y1="{n(mid)}" x2="{n(x(r["max"]))}" y2="{n(mid)}" stroke="{PALETTE["muted"]}"/>'
        )
        out.append(
            f'<rect x="{n(x(r["q1"]))}" y="{n(mid - 7)}" width="{n(max(x(r["q3"]) - x(r["q1"]), 0.8))}" height="14" '
            f'fill="{PALETTE["band"]}" stroke="{PALETTE["muted"]}"><title>Q1 {esc(fmt_value(r["q1"]))} · median '
            f"{esc(fmt_value(r['median']))} · Q3 {esc(fmt_value(r['q3']))}</title></rect>"
        )
        out.append(
            f'<line x1="{n(x(r["median"]))}" y1="{n(mid - 7)}" x2="{n(x(r["median"]))}" y2="{n(mid + 7)}" '
            f'stroke="{PALETTE["ink"]}" stroke-width="1.5"/>'
        )
    for v in _finite(r["others"]):
        out.append(
            f'<circle cx="{n(x(v))}" cy="{n(mid)}" r="3" fill="{PALETTE["other"]}" fill-opacity="0.8"/>'
        )
    v = r["value"]
    if v is not None and math.isfinite(v):
        out.append(
            f'<circle cx="{n(x(v))}" cy="{n(mid)}" r="5" fill="{PALETTE["declared"]}" stroke="#fff">'
            f"<title>this line: {esc(fmt_value(v))}</title></circle>"
        )
        out.append(_text(right + 6, mid + 4, fmt_value(v), size=10, weight="700"))
    else:
        out.append(_note(right + 6, mid + 4, "not measured"))
    return out
