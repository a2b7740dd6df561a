"""Inline SVG charts of the dossier's quality section (issue 15): a capability histogram with the
specification limits and fitted normal curves, and a control chart with flagged points.

Like :mod:`.charts` (whose helpers these use), every function is pure: plain numbers and strings in,
one ``<svg>`` element out, byte-identical for the same input, no fonts, scripts or links from
anywhere.  Every text is cleaned (:func:`liplanet_cert.infra.textsafe.clean`) and XML-escaped, so a
lot id or a characteristic's name cannot inject markup.  Each chart carries a ``<title>`` and a
``<desc>`` (its text alternative, with every number it draws).

Both charts are drawn for half of the A4 print column (``width`` 430 by default; the dossier sets
two side by side, as it does the KPI bullet charts).  Reference lines carry ``class="ref …"`` and
``data-value`` (the value they mark), for readers and tests.

Histogram bins (stated in the chart's description): Freedman–Diaconis, width 2·IQR·n^(−1/3) over the
range of the values, the count of bins ceil(range / width) held to 8..30 (30 when the IQR is 0 but
the range is not, 8 when there is no spread); all values equal: one bar, 1/30 of the axis wide.
numpy is imported inside the functions that need it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from liplanet_cert.dossier.charts import PALETTE, _note, _scale, _text, esc, n, nice_ticks
from liplanet_cert.dossier.formatting import MISSING, fmt_value
from liplanet_cert.dossier.rr_charts import _empty, _grid, _label, _open

__all__ = ["MAX_BINS", "MIN_BINS", "capability_histogram", "control_chart", "histogram_bins"]

MIN_BINS, MAX_BINS = 8, 30
_W = 430  # half of the print column: two charts side by side
_LEFT, _TOP, _AXIS_H = 46, 24, 130  # plot area: left edge, top edge and height
_CURVE_POINTS = 81  # samples of a normal curve across the axis
_LOT_CHARS = 10  # a lot id on the axis is shortened to this many characters
_LABEL_PX = 24  # at least this many pixels between two lot labels on the axis


def _num(x: float | None) -> str:
    return fmt_value(x) if x is not None else MISSING


def _finite(x: Any) -> float | None:
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(float(x)) else None


def _pad(lo: float, hi: float, share: float) -> tuple[float, float]:
    """``[lo, hi]`` widened by ``share`` of its span each side (a point: by 5 % of its size, or 0.5)."""
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        d = 0.05 * abs(lo) or 0.5
        return lo - d, hi + d
    d = (hi - lo) * share
    return lo - d, hi + d


# --------------------------------------------------------------------------------------------
# capability histogram
# --------------------------------------------------------------------------------------------


def histogram_bins(values: Sequence[float], span: tuple[float, float]) -> tuple[list[float], list[int]]:
    """(bin edges, count per bin) of the finite ``values`` by the rule of the module docstring;
    ``span`` is the axis range (the one bar of equal values is 1/30 of it wide)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        w = (span[1] - span[0]) / MAX_BINS
        return [lo - w / 2, lo + w / 2], [int(v.size)]
    q1, q3 = np.percentile(v, [25, 75])
    h = 2.0 * float(q3 - q1) / v.size ** (1 / 3)
    k = MAX_BINS if h <= 0 else max(MIN_BINS, min(MAX_BINS, math.ceil((hi - lo) / h)))
    counts, edges = np.histogram(v, bins=k, range=(lo, hi))
    return [float(e) for e in edges], [int(c) for c in counts]


def _normal_path(mean: float, sd: float, scale: float, x: Any, y: Any, lo: float, hi: float) -> str:
    """The path of ``scale`` × the normal density (mean, sd) sampled across ``[lo, hi]``."""
    import numpy as np

    t = np.linspace(lo, hi, _CURVE_POINTS)
    d = scale * np.exp(-0.5 * ((t - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    pts = [f"{n(x(float(a)))},{n(y(float(b)))}" for a, b in zip(t, d)]
    return "M" + " L".join(pts)


def _spec_lines(
    x: Any, top: float, bottom: float, lsl: float | None, usl: float | None, target: float | None
) -> list[str]:
    """The specification limits (solid, labelled inside the plot) and the target (dashed)."""
    out = []
    marks = (("lsl", "LSL", lsl, PALETTE["bad"], "start", ""), ("usl", "USL", usl, PALETTE["bad"], "end", ""))
    marks += (("target", "T", target, PALETTE["ok"], "middle", ' stroke-dasharray="5 3"'),)
    for cls, name, v, colour, anchor, dash in marks:
        if v is None:
            continue
        xv = x(v)
        out.append(
            f'<line class="ref {cls}" data-value="{esc(fmt_value(v))}" x1="{n(xv)}" y1="{top - 12}" '
            f'x2="{n(xv)}" y2="{bottom}" stroke="{colour}" stroke-width="1.6"{dash}/>'
        )
        dx = {"start": 3, "end": -3, "middle": 0}[anchor]
        ty = top - 14 if cls == "target" else top - 4
        out.append(_text(xv + dx, ty, f"{name} {fmt_value(v)}", size=9, anchor=anchor, fill=colour))
    return out


def capability_histogram(
    values: Sequence[float],
    *,
    lsl: float | None,
    usl: float | None,
    target: float | None,
    mean: float,
    sd_overall: float,
    sd_within: float | None,
    unit: str,
    title: str,
    cpk: float | None,
    ppk: float | None,
    width: int = _W,
) -> str:
    """Histogram of ``values`` (bins outside the specification in the "bad" colour) with the
    specification limits, the target, the normal curve of the overall SD (solid) and of the
    within-subgroup SD (dashed, when given), and a caption line: n, mean, Cpk and Ppk."""
    unit, label = _label(unit), _label(title) or "Capability histogram"
    vals = [f for f in (_finite(v) for v in values) if f is not None]
    lsl, usl, target, mean_ = _finite(lsl), _finite(usl), _finite(target), _finite(mean)
    sds = [
        (s, k) for s, k in ((_finite(sd_overall), "overall"), (_finite(sd_within), "within")) if s and s > 0
    ]
    caption = (
        f"n = {len(vals)} · mean {_num(mean_)} {unit} · Cpk {_num(_finite(cpk))} · Ppk {_num(_finite(ppk))}"
    )
    stats = (
        f"{caption}; SD overall {_num(_finite(sd_overall))}, within {_num(_finite(sd_within))}; "
        f"LSL {_num(lsl)}, USL {_num(usl)}, target {_num(target)} {unit}"
    )
    if not vals:
        return _empty(width, label, stats, "no measurement to draw", "spc-hist")
    ends = [*vals, *(v for v in (lsl, usl, target) if v is not None)]
    if mean_ is not None:
        ends += [mean_ + s * k * 3.5 for s, _ in sds for k in (-1, 1)]
    lo, hi = _pad(min(ends), max(ends), 0.04)
    edges, counts = histogram_bins(vals, (lo, hi))
    w = edges[1] - edges[0]
    peaks = [len(vals) * w / (s * math.sqrt(2 * math.pi)) for s, _ in sds] if mean_ is not None else []
    ymax = nice_ticks(0, max([*counts, *peaks]) * 1.1, 4)[-1]
    left, right, top, bottom = _LEFT, width - 12, _TOP + 8, _TOP + 8 + _AXIS_H
    x, y = _scale(lo, hi, left, right), _scale(0.0, ymax, bottom, top)
    rule = (
        "one bar (all values equal)"
        if len(counts) == 1
        else f"{len(counts)} bins (Freedman–Diaconis, 8 to 30)"
    )
    desc = f"{stats}. {rule} of width {fmt_value(w)} {unit} from {fmt_value(edges[0])}: counts " + ", ".join(
        str(c) for c in counts
    )
    parts = _open(width, bottom + 50, label, desc, "spc-hist")
    parts += _grid([t for t in nice_ticks(0, ymax, 4) if t <= ymax and t == int(t)], y, left, right)
    for i, c in enumerate(counts):
        if c == 0:
            continue
        a, b = edges[i], edges[i + 1]
        mid = (a + b) / 2
        out = (lsl is not None and mid < lsl) or (usl is not None and mid > usl)
        top_y = min(y(c), bottom - 1.5)  # a single value stays visible
        parts.append(
            f'<rect class="bin{" out" if out else ""}" x="{n(x(a) + 0.5)}" y="{n(top_y)}" '
            f'width="{n(max(x(b) - x(a) - 1, 0.8))}" height="{n(bottom - top_y)}" '
            f'fill="{PALETTE["bad"] if out else PALETTE["measured"]}" fill-opacity="0.8">'
            f"<title>{esc(fmt_value(a))}–{esc(fmt_value(b))} {esc(unit)}: {c}</title></rect>"
        )
    for s, kind in sds if mean_ is not None else []:
        dash = ' stroke-dasharray="4 3"' if kind == "within" else ""
        parts.append(
            f'<path class="normal {kind}" d="{_normal_path(mean_, s, len(vals) * w, x, y, lo, hi)}" '
            f'fill="none" stroke="{PALETTE["ink"]}" stroke-width="1.3"{dash}/>'
        )
    parts += _spec_lines(x, top, bottom, lsl, usl, target)
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    for t in nice_ticks(lo, hi, 5):
        if lo <= t <= hi:
            parts.append(_note(x(t), bottom + 13, fmt_value(t), anchor="middle"))
    parts.append(_note(left - 40, top - 18, "count"))
    parts.append(_text(left, bottom + 30, caption, size=9.5))
    curves = "normal curves: overall SD (solid), within (dashed)" if len(sds) == 2 else "normal curve"
    parts.append(_note(8, bottom + 44, f"{unit} · red bars: outside the specification · {curves}"))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# control chart
# --------------------------------------------------------------------------------------------


def _per_point(limit: Any, count: int) -> list[float | None]:
    """A limit as one value per point (a single number is the same for every point)."""
    if limit is None or isinstance(limit, (int, float)):
        return [_finite(limit)] * count
    vals = [_finite(v) for v in limit]
    return (vals + [None] * count)[:count]


def _stepped(values: Sequence[float | None], xs: Sequence[float], half: float, y: Any) -> str:
    """A path through one horizontal step per point (``half`` each side of its x), joined vertically;
    a missing value leaves a gap."""
    d, prev = [], None
    for v, xv in zip(values, xs):
        if v is None:
            prev = None
            continue
        d.append(f"M{n(xv - half)},{n(y(v))}" if prev is None else f"V{n(y(v))}")
        d.append(f"H{n(xv + half)}")
        prev = v
    return "".join(d)


def _limit_line(
    values: Sequence[float | None], xs: Sequence[float], half: float, y: Any, cls: str, label: str, style: str
) -> list[str]:
    """A centre, control or zone line: straight when one value, stepped when per point."""
    known = [v for v in values if v is not None]
    if not known:
        return []
    right = xs[-1] + half
    if all(v == known[0] for v in known) and len(known) == len(values):
        line = [
            f'<line class="ref {cls}" data-value="{esc(fmt_value(known[0]))}" x1="{n(xs[0] - half)}" '
            f'y1="{n(y(known[0]))}" x2="{n(right)}" y2="{n(y(known[0]))}" {style}/>'
        ]
    else:
        line = [f'<path class="ref {cls} stepped" d="{_stepped(values, xs, half, y)}" fill="none" {style}/>']
    if label:
        last = known[-1] if values[-1] is None else values[-1]
        line.append(
            _text(right + 3, y(last) + 3, f"{label} {fmt_value(last)}", size=8.5, fill=PALETTE["muted"])
        )
    return line


def _zone_lines(
    centre: float,
    ucl: Sequence[float | None],
    lcl: Sequence[float | None],
    xs: Sequence[float],
    half: float,
    y: Any,
) -> list[str]:
    """Dotted lines at centre ± 1σ and ± 2σ, σ = (UCL − centre)/3 per point; a lower line below a
    (clamped) LCL is left out."""
    style = f'stroke="{PALETTE["other"]}" stroke-width="0.8" stroke-dasharray="2 2"'
    out = []
    for k in (1, 2):
        for sign, name in ((1, "plus"), (-1, "minus")):
            vals: list[float | None] = []
            for u, lo in zip(ucl, lcl):
                z = None if u is None else centre + sign * k * (u - centre) / 3
                vals.append(None if z is None or (sign < 0 and lo is not None and z < lo) else z)
            out += _limit_line(vals, xs, half, y, f"zone zone-{name}{k}", "", style)
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float], bottom: float, plot_w: float) -> list[str]:
    """Every ``step``-th lot id below the axis (as many as fit), slanted."""
    step = max(1, math.ceil(len(xs) * _LABEL_PX / max(plot_w, 1.0)))
    out = []
    for i in range(0, len(xs), step):
        text, xv, yv = _label(labels[i] if i < len(labels) else "", _LOT_CHARS), xs[i], bottom + 10
        out.append(
            f'<text x="{n(xv)}" y="{n(yv)}" font-size="8.5" text-anchor="end" fill="{PALETTE["muted"]}" '
            f'transform="rotate(-35 {n(xv)} {n(yv)})">{esc(text)}</text>'
        )
    return out


def _points(
    pts: Sequence[float | None],
    xs: Sequence[float],
    y: Any,
    names: Sequence[str],
    rules: Mapping[int, list[int]],
    unit: str,
) -> list[str]:
    """The line joining the points (broken at a missing one), the points, flagged ones in the "bad"
    colour with their rule numbers beside them."""
    d, prev = [], False
    for v, xv in zip(pts, xs):
        if v is not None:
            d.append(f"{'L' if prev else 'M'}{n(xv)},{n(y(v))}")
        prev = v is not None
    out = [
        f'<path class="series" d="{"".join(d)}" fill="none" stroke="{PALETTE["measured"]}" stroke-width="1"/>'
    ]
    for i, (v, xv) in enumerate(zip(pts, xs)):
        if v is None:
            continue
        flags = rules.get(i, [])
        tip = f"{names[i]}: {fmt_value(v)} {unit}" + (
            f" (rules {', '.join(map(str, flags))})" if flags else ""
        )
        colour, r = (PALETTE["bad"], 3.4) if flags else (PALETTE["measured"], 2.4)
        out.append(
            f'<circle class="{"flagged" if flags else "point"}" cx="{n(xv)}" cy="{n(y(v))}" r="{r}" '
            f'fill="{colour}"><title>{esc(tip)}</title></circle>'
        )
        if flags:
            out.append(_text(xv, y(v) - 6, ",".join(map(str, flags)), size=8, anchor="middle", fill=colour))
    return out


def control_chart(
    points: Sequence[float],
    *,
    centre: float,
    ucl: float | Sequence[float],
    lcl: float | Sequence[float],
    labels: Sequence[str],
    flagged: Mapping[int, Sequence[int]],
    title: str,
    unit: str,
    zones: bool = True,
    width: int = _W,
) -> str:
    """``points`` in order (one per lot, ``labels`` their lot ids) joined by a line, the centre
    line and the control limits (stepped when given per point), the ±1σ/±2σ zone lines, and the
    points ``flagged`` (index → run-rule numbers) in the "bad" colour with their rule numbers."""
    unit, label = _label(unit), _label(title) or "Control chart"
    pts = [_finite(v) for v in points]
    count = len(pts)
    names = [_label(labels[i]) if i < len(labels) else f"#{i + 1}" for i in range(count)]
    ucls, lcls, c = _per_point(ucl, count), _per_point(lcl, count), _finite(centre)
    rules = {int(i): sorted({int(r) for r in rs}) for i, rs in flagged.items() if 0 <= int(i) < count and rs}
    same = len(set(ucls)) <= 1 and len(set(lcls)) <= 1
    limits = (
        f"UCL {_num(ucls[0] if count else None)}, LCL {_num(lcls[0] if count else None)}"
        if same or not count
        else "limits per point (UCL / LCL): "
        + "; ".join(f"{names[i]} {_num(ucls[i])} / {_num(lcls[i])}" for i in range(count))
    )
    desc = (
        f"{count} points ({unit}), centre {_num(c)}, {limits}. Values: "
        + "; ".join(f"{names[i]} {_num(v)}" for i, v in enumerate(pts))
        + ". Flagged (run rules): "
        + (
            "; ".join(f"{names[i]} rules {', '.join(map(str, rs))}" for i, rs in sorted(rules.items()))
            or "none"
        )
    )
    known = [v for v in [*pts, c, *ucls, *lcls] if v is not None]
    if not count or all(v is None for v in pts):
        return _empty(width, label, desc, "no point to draw", "spc-control")
    lo, hi = _pad(min(known), max(known), 0.08)
    left, right, top, bottom = _LEFT, width - 58, _TOP, _TOP + _AXIS_H
    y = _scale(lo, hi, bottom, top)
    half = (right - left) / count / 2
    xs = [left + half * (2 * i + 1) for i in range(count)]
    parts = _open(width, bottom + 54, label, desc, "spc-control")
    parts += _grid([t for t in nice_ticks(lo, hi, 4) if lo <= t <= hi], y, left, right)
    if zones and c is not None:
        parts += _zone_lines(c, ucls, lcls, xs, half, y)
    limit_style = f'stroke="{PALETTE["bad"]}" stroke-width="1.3" stroke-dasharray="6 3"'
    parts += _limit_line(ucls, xs, half, y, "ucl", "UCL", limit_style)
    parts += _limit_line(lcls, xs, half, y, "lcl", "LCL", limit_style)
    if c is not None:
        parts += _limit_line(
            [c] * count, xs, half, y, "centre", "CL", f'stroke="{PALETTE["ink"]}" stroke-width="1.2"'
        )
    parts += _points(pts, xs, y, names, rules, unit)
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    parts.append(_note(left - 40, top - 10, unit))
    parts += _x_labels(names, xs, bottom, right - left)
    parts.append(
        _note(
            left,
            bottom + 48,
            "red: flagged point, with the numbers of the run rules it breaks; dashed: UCL, LCL",
        )
    )
    parts.append("</svg>")
    return "".join(parts)
