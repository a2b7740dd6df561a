"""Inline SVG charts for the audit dossier.

Every function here is pure: it takes plain numbers and strings and returns one ``<svg>`` element
as a string, ready to be embedded in HTML.  There is no plotting library: the SVG is written by
hand so that it is small, needs no fonts or scripts from anywhere, and is byte-identical for the
same inputs (coordinates are formatted with a fixed number of decimals, iteration order is the
order of the inputs).  Every piece of text is XML-escaped, so a step or pilot-line name cannot
inject markup.  The element carries no ``xmlns`` attribute: in HTML the parser places ``<svg>`` in
the SVG namespace on its own, and the string is still well-formed XML.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from html import escape as _html_escape

from liplanet_cert.dossier.formatting import fmt_value

__all__ = [
    "PALETTE",
    "bullet_chart",
    "capacity_histogram",
    "contribution_chart",
    "daily_output_chart",
    "footprint_chart",
    "nice_ticks",
    "scenario_chart",
    "seal_badge",
    "step_scrap_chart",
]

# Colours used by the charts and by the dossier's stylesheet (kept in one place).
PALETTE = {
    "ink": "#1b2a3a",
    "muted": "#5d6b7a",
    "grid": "#dde3ea",
    "band": "#eef2f6",
    "ok": "#2e8b57",
    "ok_light": "#cfe9da",
    "bad": "#c0392b",
    "bad_light": "#f6d3cf",
    "warn": "#c98a00",
    "measured": "#1f4e79",
    "declared": "#e07b00",
    "threshold": "#c0392b",
    "electricity": "#2f6db5",
    "heat": "#e3872d",
    "materials": "#7a9a3a",
    "other": "#9aa5b1",
    "scenario": "#2e8b57",
}

FONT = "font-family=\"'Helvetica Neue',Helvetica,Arial,sans-serif\""


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Escape any value for use as XML text or attribute value."""
    return _html_escape(str(text), quote=True)


def n(x: float) -> str:
    """Format a coordinate with two decimals, never ``-0.00``."""
    s = f"{x:.2f}"
    if s == "-0.00":
        s = "0.00"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (1, 2, 2.5, 5 × 10^k steps)."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0)
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = mag
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            step = m * mag
            break
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v < hi + step * 0.5 and len(ticks) < 50:
        ticks.append(round(v, 12))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _open(width: int, height: int, label: str, cls: str) -> list[str]:
    return [
        f'<svg class="chart {esc(cls)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{esc(label)}" {FONT}>',
        f"<title>{esc(label)}</title>",
    ]


def _text(
    x: float,
    y: float,
    text: object,
    *,
    size: float = 11,
    anchor: str = "start",
    fill: str | None = None,
    weight: str | None = None,
) -> str:
    attrs = f'x="{n(x)}" y="{n(y)}" font-size="{n(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    attrs += f' fill="{fill or PALETTE["ink"]}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}>{esc(text)}</text>"


def _note(x: float, y: float, text: object, *, anchor: str = "start") -> str:
    """Small muted text: axis labels, units, legends."""
    return _text(x, y, text, size=9.5, anchor=anchor, fill=PALETTE["muted"])


def _scale(d0: float, d1: float, r0: float, r1: float) -> Callable[[float], float]:
    """The linear map of the values ``d0``..``d1`` onto the drawing coordinates ``r0``..``r1``."""

    def to(v: float) -> float:
        return r0 + (v - d0) / (d1 - d0) * (r1 - r0)

    return to


def _x_tick(x: float, y: float, label: str, *, anchor: str = "middle", dy: float = 16) -> list[str]:
    """A tick below the horizontal axis at ``y`` and its label."""
    return [
        f'<line x1="{n(x)}" y1="{y}" x2="{n(x)}" y2="{y + 4}" stroke="{PALETTE["muted"]}"/>',
        _note(x, y + dy, label, anchor=anchor),
    ]


def _swatch(x: float, y: float, colour: str, label: str) -> list[str]:
    """A legend entry on the baseline ``y``: a colour square and its label."""
    return [f'<rect x="{x}" y="{y - 8}" width="10" height="8" fill="{colour}"/>', _note(x + 14, y, label)]


def _grid_rows(ticks: list[float], y: Callable[[float], float], left: float, right: float) -> list[str]:
    """Horizontal grid lines with their value labels on the left (vertical value axis)."""
    out = []
    for t in ticks:
        out.append(
            f'<line x1="{left}" y1="{n(y(t))}" x2="{right}" y2="{n(y(t))}" stroke="{PALETTE["grid"]}"/>'
        )
        out.append(_note(left - 6, y(t) + 3.5, fmt_value(t), anchor="end"))
    return out


def _grid_columns(
    ticks: list[float], x: Callable[[float], float], top: float, bottom: float, unit: str = ""
) -> list[str]:
    """Vertical grid lines with their value labels below (horizontal value axis)."""
    out = []
    for t in ticks:
        out.append(
            f'<line x1="{n(x(t))}" y1="{top - 4}" x2="{n(x(t))}" y2="{bottom}" stroke="{PALETTE["grid"]}"/>'
        )
        out.append(_note(x(t), bottom + 14, fmt_value(t) + unit, anchor="middle"))
    return out


def _empty(width: int, height: int, label: str, message: str, cls: str) -> str:
    parts = _open(width, height, label, cls)
    parts.append(
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="{PALETTE["band"]}" '
        f'stroke="{PALETTE["grid"]}"/>'
    )
    parts.append(_text(width / 2, height / 2 + 4, message, anchor="middle", fill=PALETTE["muted"]))
    parts.append("</svg>")
    return "".join(parts)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# seal badge
# --------------------------------------------------------------------------------------------

_SEAL = {
    "approved": ("#2e8b57", "#e6f4ec", ["LiPLANET", "APPROVED"], "✓"),
    "approved_with_observations": ("#b07a00", "#fbf1d9", ["APPROVED", "WITH", "OBSERVATIONS"], "!"),
}


def seal_badge(verdict: str, *, size: int = 168) -> str:
    """The LiPLANET approved seal: green for approved, amber and qualified ("with observations")
    for approved with observations.  Any other verdict gets no seal at all: the empty string."""
    if verdict not in _SEAL:
        return ""
    colour, fill, lines, mark = _SEAL[verdict]
    c = size / 2
    parts = [
        f'<svg class="seal" viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img" '
        f'aria-label="Seal: {esc(" ".join(lines).lower())}" {FONT}>',
        f"<title>Seal: {esc(' '.join(lines).lower())}</title>",
    ]
    # serrated outer ring (24 points), computed deterministically
    pts = []
    for i in range(48):
        r = c - 2 if i % 2 == 0 else c - 8
        a = math.pi * 2 * i / 48 - math.pi / 2
        pts.append(f"{n(c + r * math.cos(a))},{n(c + r * math.sin(a))}")
    parts.append(f'<polygon points="{" ".join(pts)}" fill="{colour}"/>')
    parts.append(f'<circle cx="{n(c)}" cy="{n(c)}" r="{n(c - 13)}" fill="{fill}"/>')
    parts.append(
        f'<circle cx="{n(c)}" cy="{n(c)}" r="{n(c - 18)}" fill="none" stroke="{colour}" '
        f'stroke-width="1.5" stroke-dasharray="3 2"/>'
    )
    parts.append(_text(c, c - size * 0.2, mark, size=size * 0.17, anchor="middle", fill=colour, weight="700"))
    fs = size * (0.105 if len(lines) <= 2 else 0.085)
    y0 = c + size * 0.02 - (len(lines) - 2) * fs * 0.55
    for i, line in enumerate(lines):
        parts.append(_text(c, y0 + i * fs * 1.15, line, size=fs, anchor="middle", fill=colour, weight="700"))
    parts.append(_text(c, c + size * 0.33, "SEAL", size=size * 0.06, anchor="middle", fill=colour))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# KPI bullet chart
# --------------------------------------------------------------------------------------------


def bullet_chart(
    title: str,
    unit: str,
    *,
    measured: float | None,
    declared: float | None = None,
    threshold: float | None = None,
    comparator: str | None = None,
    width: int = 400,
) -> str:
    """Bullet chart of one KPI: measured (bar), declared (marker) and threshold (red line).

    ``comparator`` (``>=``, ``>``, ``<=``, ``<``) colours the acceptable side of the threshold
    green and the other side red, so the reader sees at a glance where the measured bar ends.
    """
    label = f"{title}: measured {fmt_value(measured)}, declared {fmt_value(declared)}, threshold {fmt_value(threshold)} {unit}".strip()
    height = 62
    values = [v for v in (measured, declared, threshold) if v is not None and math.isfinite(v)]
    if not values:
        return _empty(width, height, label, "no value measured or declared", "bullet")
    lo = min(0.0, min(values))
    hi = max(values) * 1.15 if max(values) > 0 else 1.0
    if unit.strip() == "%" and 0 <= min(values) and max(values) <= 100:
        hi = min(hi, 100.0)
    ticks = nice_ticks(lo, hi, 5)
    if unit.strip() == "%" and ticks[-1] > 100 >= max(values):
        ticks = [t for t in ticks if t < 100] + [100.0]
    lo, hi = ticks[0], ticks[-1]
    left, right, top, bar_h = 8, width - 12, 8, 22

    x = _scale(lo, hi, left, right)
    parts = _open(width, height, label, "bullet")
    parts.append(
        f'<rect x="{n(left)}" y="{top}" width="{n(right - left)}" height="{bar_h}" fill="{PALETTE["band"]}"/>'
    )
    if threshold is not None and comparator in (">=", ">", "<=", "<"):
        good_lo, good_hi = (threshold, hi) if comparator in (">=", ">") else (lo, threshold)
        bad_lo, bad_hi = (lo, threshold) if comparator in (">=", ">") else (threshold, hi)
        parts.append(
            f'<rect x="{n(x(good_lo))}" y="{top}" width="{n(x(good_hi) - x(good_lo))}" height="{bar_h}" '
            f'fill="{PALETTE["ok_light"]}"/>'
        )
        parts.append(
            f'<rect x="{n(x(bad_lo))}" y="{top}" width="{n(x(bad_hi) - x(bad_lo))}" height="{bar_h}" '
            f'fill="{PALETTE["bad_light"]}"/>'
        )
    if measured is not None:
        parts.append(
            f'<rect x="{n(x(min(0.0, measured)))}" y="{top + 7}" width="{n(abs(x(measured) - x(0.0)))}" '
            f'height="8" fill="{PALETTE["measured"]}"><title>measured {esc(fmt_value(measured))} {esc(unit)}</title></rect>'
        )
    if declared is not None:
        dx = x(declared)
        parts.append(
            f'<polygon points="{n(dx - 5)},{top - 1} {n(dx + 5)},{top - 1} {n(dx)},{top + 7}" '
            f'fill="{PALETTE["declared"]}"><title>declared {esc(fmt_value(declared))} {esc(unit)}</title></polygon>'
        )
        parts.append(
            f'<line x1="{n(dx)}" y1="{top}" x2="{n(dx)}" y2="{top + bar_h}" stroke="{PALETTE["declared"]}" '
            f'stroke-width="2" stroke-dasharray="3 2"/>'
        )
    if threshold is not None:
        tx = x(threshold)
        parts.append(
            f'<line x1="{n(tx)}" y1="{top - 3}" x2="{n(tx)}" y2="{top + bar_h + 3}" '
            f'stroke="{PALETTE["threshold"]}" stroke-width="3"><title>threshold {esc(comparator or "")} '
            f"{esc(fmt_value(threshold))} {esc(unit)}</title></line>"
        )
    axis_y = top + bar_h
    for t in ticks:
        parts += _x_tick(x(t), axis_y, fmt_value(t), dy=15)
    parts.append(_note(right, height - 2, unit, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# per-step scrap rate
# --------------------------------------------------------------------------------------------


def step_scrap_chart(steps: Sequence[tuple[str, float | None, float | None]], *, width: int = 860) -> str:
    """Horizontal bars of each step's scrap rate (in %), with the step's limit as a red tick.

    ``steps`` is a sequence of ``(step name, scrap rate %, limit %)``; missing values are allowed.
    Bars over their limit are red, within it green, without a limit blue.
    """
    label = "Scrap rate per production step against the per-step limits"
    if not steps:
        return _empty(width, 60, label, "no production steps logged", "steps")
    row_h, top, label_w = 24, 10, 250
    height = top + row_h * len(steps) + 34
    vals = [v for _, r, lim in steps for v in (r, lim) if v is not None and math.isfinite(v)]
    ticks = nice_ticks(0.0, max(vals + [0.1]) * 1.08, 6)
    hi = ticks[-1]
    left, right = label_w, width - 70

    x = _scale(0.0, hi, left, right)
    parts = _open(width, height, label, "steps")
    bottom = top + row_h * len(steps)
    parts += _grid_columns(ticks, x, top, bottom, " %")
    for i, (name, rate, limit) in enumerate(steps):
        y = top + i * row_h
        parts.append(_text(left - 8, y + row_h / 2 + 4, _truncate(str(name), 44), size=11, anchor="end"))
        if rate is not None and math.isfinite(rate):
            over = limit is not None and rate > limit
            colour = PALETTE["bad"] if over else (PALETTE["ok"] if limit is not None else PALETTE["measured"])
            parts.append(
                f'<rect x="{n(left)}" y="{n(y + 5)}" width="{n(max(x(rate) - left, 0.8))}" height="{row_h - 10}" '
                f'fill="{colour}"><title>{esc(name)}: {esc(fmt_value(rate, 2))} %</title></rect>'
            )
            parts.append(
                _text(
                    max(x(rate), left + 1) + 4,
                    y + row_h / 2 + 4,
                    fmt_value(rate, 2) + " %",
                    size=10,
                    fill=colour if over else PALETTE["ink"],
                    weight="700" if over else None,
                )
            )
        else:
            parts.append(_text(left + 4, y + row_h / 2 + 4, "not logged", size=10, fill=PALETTE["muted"]))
        if limit is not None and math.isfinite(limit):
            parts.append(
                f'<line x1="{n(x(limit))}" y1="{n(y + 2)}" x2="{n(x(limit))}" y2="{n(y + row_h - 2)}" '
                f'stroke="{PALETTE["threshold"]}" stroke-width="2.5"><title>limit {esc(fmt_value(limit))} %</title></line>'
            )
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    ly = height - 6
    parts += _swatch(left, ly, PALETTE["ok"], "within limit")
    parts += _swatch(left + 90, ly, PALETTE["bad"], "over limit")
    parts.append(
        f'<line x1="{left + 175}" y1="{ly - 9}" x2="{left + 175}" y2="{ly + 1}" stroke="{PALETTE["threshold"]}" stroke-width="2.5"/>'
    )
    parts.append(_note(left + 181, ly, "per-step limit"))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# daily output line chart
# --------------------------------------------------------------------------------------------


def _ordinal(d: str) -> int | None:
    try:
        return date.fromisoformat(str(d)[:10]).toordinal()
    except ValueError:
        return None


def daily_output_chart(
    points: Sequence[tuple[str, float]],
    *,
    threshold: float | None = None,
    unit: str = "cells/day",
    width: int = 860,
    height: int = 240,
) -> str:
    """Line chart of cells produced per production day over the reporting period.

    Days are placed on a true calendar axis (gaps for days without production); the mean over
    production days is a dashed blue line, the criterion's threshold (when given) a red one.
    """
    label = f"Daily output ({unit}) over the reporting period"
    pts = [(o, float(v), d) for d, v in points if (o := _ordinal(d)) is not None and v is not None]
    if not pts:
        return _empty(width, 80, label, "no daily output in the logs", "line")
    pts.sort(key=lambda p: p[0])
    left, right, top, bottom = 46, width - 96, 22, height - 34
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1 = xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1
    ticks = nice_ticks(0.0, max(ys + ([threshold] if threshold else [])) * 1.1 or 1.0, 5)
    hi = ticks[-1]

    x, y = _scale(x0, x1, left, right), _scale(0.0, hi, bottom, top)
    parts = _open(width, height, label, "line")
    parts += _grid_rows(ticks, y, left, right)
    # x labels: first, last and up to 4 evenly spaced in between
    k = len(pts)
    idx = sorted({0, k - 1, *[round(i * (k - 1) / 5) for i in range(1, 5)]}) if k > 1 else [0]
    for i in idx:
        o, _, d = pts[i]
        anchor = "start" if i == 0 and k > 1 else ("end" if i == k - 1 and k > 1 else "middle")
        parts += _x_tick(x(o), bottom, str(d)[:10], anchor=anchor)
    area = (
        [f"{n(x(xs[0]))},{n(bottom)}"]
        + [f"{n(x(o))},{n(y(v))}" for o, v, _ in pts]
        + [f"{n(x(xs[-1]))},{n(bottom)}"]
    )
    parts.append(f'<polygon points="{" ".join(area)}" fill="{PALETTE["measured"]}" fill-opacity="0.10"/>')
    line = " ".join(f"{n(x(o))},{n(y(v))}" for o, v, _ in pts)
    parts.append(
        f'<polyline points="{line}" fill="none" stroke="{PALETTE["measured"]}" stroke-width="1.8" '
        f'stroke-linejoin="round"/>'
    )
    if k <= 120:
        for o, v, d in pts:
            parts.append(
                f'<circle cx="{n(x(o))}" cy="{n(y(v))}" r="2.2" fill="{PALETTE["measured"]}">'
                f"<title>{esc(str(d)[:10])}: {esc(fmt_value(v))} {esc(unit)}</title></circle>"
            )
    mean = sum(ys) / len(ys)
    parts.append(
        f'<line x1="{left}" y1="{n(y(mean))}" x2="{right}" y2="{n(y(mean))}" stroke="{PALETTE["measured"]}" '
        f'stroke-dasharray="5 3" stroke-width="1.2"/>'
    )
    ly_mean, ly_thr = y(mean) + 3.5, (y(threshold) + 3.5 if threshold is not None else None)
    if ly_thr is not None and abs(ly_mean - ly_thr) < 12:  # keep the two labels apart
        if ly_mean <= ly_thr:
            ly_mean, ly_thr = ly_thr - 12, ly_thr
        else:
            ly_thr = ly_mean - 12
    parts.append(_text(right + 6, ly_mean, f"mean {fmt_value(mean)}", size=9.5, fill=PALETTE["measured"]))
    if threshold is not None:
        parts.append(
            f'<line x1="{left}" y1="{n(y(threshold))}" x2="{right}" y2="{n(y(threshold))}" '
            f'stroke="{PALETTE["threshold"]}" stroke-dasharray="6 3" stroke-width="1.5"/>'
        )
        parts.append(
            _text(right + 6, ly_thr, f"threshold {fmt_value(threshold)}", size=9.5, fill=PALETTE["threshold"])
        )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    parts.append(_note(left - 40, top - 10, unit))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# end-of-line capacity histogram
# --------------------------------------------------------------------------------------------


def _histogram_bins(
    vals: list[float], nominal: float | None, bins: int | None
) -> tuple[float, float, float, list[int]]:
    """(low end, high end, bin width, count per bin) of sorted ``vals``, the range covering ``nominal``."""
    if bins is None:
        # Freedman–Diaconis width (robust to a few outlying cells), Sturges as the fallback
        q1, q3 = vals[len(vals) // 4], vals[(3 * len(vals)) // 4]
        span = max(vals[-1], nominal if nominal is not None else vals[-1]) - min(
            vals[0], nominal if nominal is not None else vals[0]
        )
        width_fd = 2 * (q3 - q1) / len(vals) ** (1 / 3)
        bins = (
            int(math.ceil(span / width_fd))
            if width_fd > 0 and span > 0
            else int(math.ceil(math.log2(len(vals)) + 1))
        )
        bins = max(5, min(40, bins))
    lo, hi = vals[0], vals[-1]
    if nominal is not None:
        lo, hi = min(lo, nominal), max(hi, nominal)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.04
    lo, hi = lo - pad, hi + pad
    w = (hi - lo) / bins
    counts = [0] * bins
    for v in vals:
        counts[min(int((v - lo) / w), bins - 1)] += 1
    return lo, hi, w, counts


def capacity_histogram(
    values: Sequence[float],
    *,
    unit: str = "Ah",
    nominal: float | None = None,
    bins: int | None = None,
    width: int = 860,
    height: int = 240,
) -> str:
    """Histogram of the end-of-line measured capacity, with the nominal capacity and the mean."""
    label = f"Distribution of end-of-line capacity ({unit})"
    vals = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
    if not vals:
        return _empty(width, 80, label, "no end-of-line measurements", "hist")
    lo, hi, w, counts = _histogram_bins(vals, nominal, bins)
    left, right, top, bottom = 40, width - 14, 30, height - 34
    yt = nice_ticks(0, max(counts) * 1.1, 4)
    ymax = yt[-1]

    x, y = _scale(lo, hi, left, right), _scale(0.0, ymax, bottom, top)
    parts = _open(width, height, label, "hist")
    parts += _grid_rows(yt, y, left, right)
    for i, c in enumerate(counts):
        b0 = lo + i * w
        if c == 0:
            continue
        bar_h = max(bottom - y(c), 2.0)  # a single outlying cell stays visible
        parts.append(
            f'<rect x="{n(x(b0) + 0.5)}" y="{n(bottom - bar_h)}" width="{n(max(x(b0 + w) - x(b0) - 1, 0.5))}" '
            f'height="{n(bar_h)}" fill="{PALETTE["measured"]}" fill-opacity="0.85">'
            f"<title>{esc(fmt_value(b0))}–{esc(fmt_value(b0 + w))} {esc(unit)}: {c} cells</title></rect>"
        )
    for t in nice_ticks(lo, hi, 6):
        if lo <= t <= hi:
            parts += _x_tick(x(t), bottom, fmt_value(t))
    mean = sum(vals) / len(vals)
    parts.append(
        f'<line x1="{n(x(mean))}" y1="{top}" x2="{n(x(mean))}" y2="{bottom}" stroke="{PALETTE["ink"]}" '
        f'stroke-dasharray="4 3"/>'
    )
    mean_right = nominal is None or mean >= nominal
    parts.append(
        _text(
            x(mean) + (4 if mean_right else -4),
            top - 8,
            f"mean {fmt_value(mean)}",
            size=9.5,
            anchor="start" if mean_right else "end",
        )
    )
    if nominal is not None:
        parts.append(
            f'<line x1="{n(x(nominal))}" y1="{top}" x2="{n(x(nominal))}" y2="{bottom}" '
            f'stroke="{PALETTE["declared"]}" stroke-width="2"/>'
        )
        anchor = "end" if mean_right else "start"
        dx = -4 if anchor == "end" else 4
        parts.append(
            _text(
                x(nominal) + dx,
                top - 8,
                f"nominal {fmt_value(nominal)}",
                size=9.5,
                anchor=anchor,
                fill=PALETTE["declared"],
            )
        )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    parts.append(_note(right, height - 4, f"capacity ({unit}), {len(vals)} cells", anchor="end"))
    parts.append(_note(left - 34, top - 8, "cells"))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# footprint per step
# --------------------------------------------------------------------------------------------

_CONTRIB = ("electricity", "heat", "materials")


def _stacked_bar(
    s: dict, x: Callable[[float], float], left: float, y: float, h: float, unit: str, default: bool
) -> list[str]:
    """One step's footprint as bar segments by contribution (and the rest as "other"), top at ``y``."""
    parts: list[str] = []
    total = float(s.get("value") or 0)
    contrib = s.get("contributions") or {}
    cx = left
    known = 0.0
    for key in _CONTRIB:
        v = float(contrib.get(key) or 0)
        if v <= 0:
            continue
        known += v
        w = x(v) - left
        opacity = ' fill-opacity="0.55"' if default else ""
        parts.append(
            f'<rect x="{n(cx)}" y="{n(y)}" width="{n(w)}" height="{h}" fill="{PALETTE[key]}"'
            f"{opacity}><title>{esc(s.get('step', ''))} · {key}: "
            f"{esc(fmt_value(v))} {esc(unit)}</title></rect>"
        )
        cx += w
    rest = total - known
    if rest > total * 1e-6 and rest > 0:
        w = x(rest) - left
        parts.append(
            f'<rect x="{n(cx)}" y="{n(y)}" width="{n(w)}" height="{h}" fill="{PALETTE["other"]}">'
            f"<title>{esc(s.get('step', ''))} · other: {esc(fmt_value(rest))} {esc(unit)}</title></rect>"
        )
    return parts


def _whisker(x_lo: float, x_hi: float, yc: float) -> list[str]:
    """An interval drawn as a horizontal line with end caps, centred on ``yc``."""
    parts = [
        f'<line x1="{n(x_lo)}" y1="{n(yc)}" x2="{n(x_hi)}" y2="{n(yc)}" stroke="{PALETTE["ink"]}" stroke-width="1.2"/>'
    ]
    for v in (x_lo, x_hi):
        parts.append(
            f'<line x1="{n(v)}" y1="{n(yc - 5)}" x2="{n(v)}" y2="{n(yc + 5)}" stroke="{PALETTE["ink"]}" stroke-width="1.2"/>'
        )
    return parts


def footprint_chart(
    steps: Sequence[dict],
    *,
    unit: str = "kg CO2e/kWh",
    width: int = 860,
) -> str:
    """Stacked horizontal bars of each step's footprint, split by electricity, heat and materials.

    ``steps``: dicts with ``step``, ``value`` (total), ``contributions`` {electricity, heat,
    materials} in the same unit, ``data_source`` (primary | default), and optional ``low``/``high``
    (the 2.5 % and 97.5 % percentiles) drawn as whiskers.  A final row shows the total.
    """
    label = f"Footprint per production step ({unit}) by electricity, heat and materials"
    if not steps:
        return _empty(width, 60, label, "no footprint per step", "footprint")
    row_h, top, label_w = 24, 10, 250
    height = top + row_h * len(steps) + 40
    hi_vals = [max(float(s.get("value") or 0), float(s.get("high") or 0)) for s in steps]
    ticks = nice_ticks(0.0, max(hi_vals + [1e-9]) * 1.08, 5)
    hi = ticks[-1]
    left, right = label_w, width - 70

    x = _scale(0.0, hi, left, right)
    parts = _open(width, height, label, "footprint")
    bottom = top + row_h * len(steps)
    parts += _grid_columns(ticks, x, top, bottom)
    for i, s in enumerate(steps):
        y = top + i * row_h
        default = s.get("data_source") == "default"
        name = _truncate(str(s.get("step", "")), 44) + (" *" if default else "")
        parts.append(
            _text(
                left - 8,
                y + row_h / 2 + 4,
                name,
                size=11,
                anchor="end",
                fill=PALETTE["muted"] if default else PALETTE["ink"],
            )
        )
        total = float(s.get("value") or 0)
        parts += _stacked_bar(s, x, left, y + 5, row_h - 10, unit, default)
        lo_v, hi_v = s.get("low"), s.get("high")
        if lo_v is not None and hi_v is not None:
            parts += _whisker(x(float(lo_v)), x(float(hi_v)), y + row_h / 2)
        end = max(x(total), x(float(hi_v)) if hi_v is not None else 0)
        parts.append(_text(end + 5, y + row_h / 2 + 4, fmt_value(total), size=10))
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    ly = height - 8
    lx = 10
    for key in _CONTRIB:
        parts += _swatch(lx, ly, PALETTE[key], key)
        lx += 90
    parts.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{PALETTE["ink"]}"/>')
    parts.append(_note(lx + 24, ly, "95 % interval"))
    parts.append(_note(lx + 120, ly, "* default (modelled) data"))
    parts.append(_note(width - 8, ly, unit, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


def scenario_chart(
    rows: Sequence[tuple[str, float, float]], *, unit: str = "kg CO2e/kWh", title: str = "", width: int = 860
) -> str:
    """Paired bars per step: baseline (grey) and scenario (green), with the reduction labelled."""
    label = f"Reduction potential per step{': ' + title if title else ''} ({unit})"
    if not rows:
        return _empty(width, 60, label, "no scenario results", "scenario")
    row_h, top, label_w = 30, 10, 250
    height = top + row_h * len(rows) + 36
    ticks = nice_ticks(0.0, max([max(b, s) for _, b, s in rows] + [1e-9]) * 1.08, 5)
    hi = ticks[-1]
    left, right = label_w, width - 90

    scale = _scale(0.0, hi, left, right)

    def x(v: float) -> float:
        return scale(max(v, 0.0))

    parts = _open(width, height, label, "scenario")
    bottom = top + row_h * len(rows)
    parts += _grid_columns(ticks, x, top, bottom)
    for i, (name, base, scen) in enumerate(rows):
        y = top + i * row_h
        parts.append(_text(left - 8, y + row_h / 2 + 4, _truncate(str(name), 44), size=11, anchor="end"))
        parts.append(
            f'<rect x="{left}" y="{n(y + 4)}" width="{n(x(base) - left)}" height="10" fill="{PALETTE["other"]}">'
            f"<title>baseline {esc(fmt_value(base))} {esc(unit)}</title></rect>"
        )
        parts.append(
            f'<rect x="{left}" y="{n(y + 15)}" width="{n(x(scen) - left)}" height="10" fill="{PALETTE["scenario"]}">'
            f"<title>scenario {esc(fmt_value(scen))} {esc(unit)}</title></rect>"
        )
        red = base - scen
        pct = f" ({fmt_value(red / base * 100, 0)} %)" if base else ""
        parts.append(
            _text(
                max(x(base), x(scen)) + 5,
                y + row_h / 2 + 4,
                f"−{fmt_value(red)}{pct}" if red > 0 else fmt_value(-red),
                size=10,
                fill=PALETTE["ok"] if red > 0 else PALETTE["muted"],
            )
        )
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    ly = height - 6
    parts += _swatch(10, ly, PALETTE["other"], "baseline")
    parts += _swatch(100, ly, PALETTE["scenario"], "scenario")
    parts.append(_note(width - 8, ly, unit, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# contribution analysis
# --------------------------------------------------------------------------------------------


def contribution_chart(
    stages: Sequence[tuple[str, Sequence[tuple[str, str, float]]]], *, width: int = 860
) -> str:
    """One 100 % bar per stage split into its top contributors: ``stages`` is (stage title, rows),
    each row (label, colour kind, share of the stage); a segment's length is its share, and it is
    labelled inside when there is room (every segment has a tooltip)."""
    label = "Top contributors per stage, share of the stage"
    if not any(r for _, r in stages):
        return _empty(width, 40, label, "No contribution analysis.", "contribution")
    bar, gap, left, right = 20, 6, 110, width - 8
    height = len(stages) * (bar + gap) + 2
    parts = _open(width, height, label, "contribution")
    x = _scale(0.0, 1.0, left, right)
    y = 2.0
    for title, items in stages:
        parts.append(_text(4, y + bar - 6, title, size=10, weight="600"))
        at = 0.0
        for text, kind, share in items:
            share = min(max(share, 0.0), 1.0 - at)
            x0, x1 = x(at), x(at + share)
            colour = PALETTE.get(kind, PALETTE["other"])
            parts.append(
                f'<rect x="{n(x0)}" y="{n(y)}" width="{n(x1 - x0)}" height="{bar}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"><title>{esc(text)}: {share * 100:.1f} %</title></rect>'
            )
            room = int((x1 - x0 - 6) / 5.2)  # characters that fit at font size 9
            caption = f"{text} {share * 100:.0f} %"
            if room >= 8:
                parts.append(_text(x0 + 3, y + bar - 6, _truncate(caption, room), size=9, fill="#ffffff"))
            at += share
        y += bar + gap
    parts.append("</svg>")
    return "".join(parts)
