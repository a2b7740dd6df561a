"""Inline SVG charts of a round-robin report: z-scores, values around the assigned value, Mandel h/k.

Like :mod:`.charts` (whose helpers these use), every function is pure: plain numbers and strings in,
one ``<svg>`` element out, byte-identical for the same input, no fonts or scripts from anywhere.
Every text is cleaned (:func:`liplanet_cert.infra.textsafe.clean`) and XML-escaped, so a participant
code or a measurand name cannot inject markup.  Each chart carries a ``<title>`` and a ``<desc>``
(its text alternative, with every number it draws); the report shows the same numbers in a table.

Participants stand on the horizontal axis in the order given, by the code the report shows.  The
reference lines carry ``class="ref …"`` and ``data-value`` (the value they mark), for readers and tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from liplanet_cert.dossier.charts import FONT, PALETTE, _note, _scale, _text, esc, n, nice_ticks
from liplanet_cert.dossier.formatting import MISSING, fmt_significant, fmt_value
from liplanet_cert.infra.textsafe import clean

__all__ = ["FLAG_COLOURS", "mandel_chart", "values_chart", "zscore_chart"]

FLAG_COLOURS = {
    "satisfactory": PALETTE["ok"],
    "questionable": PALETTE["warn"],
    "unsatisfactory": PALETTE["bad"],
}
_WARN_LIGHT = "#fbf1d9"
_LEFT, _TOP, _AXIS_H = 56, 18, 190  # plot area: left edge, top edge and height (bottom = top + height)
_LABEL_CHARS = 14  # a participant code on the axis is shortened to this many characters


def _label(text: object, limit: int | None = None) -> str:
    """Text cleaned to one line (and shortened to ``limit`` characters): escaped where written."""
    s = clean(text, oneline=True)
    return s if limit is None or len(s) <= limit else s[: limit - 1] + "…"


def _num(x: float | None) -> str:
    return MISSING if x is None else fmt_significant(float(x))


def _finite(x: object) -> float | None:
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(float(x)) else None


def _open(width: int, height: int, title: str, desc: str, cls: str) -> list[str]:
    return [
        f'<svg class="chart {esc(cls)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{esc(title)}" {FONT}>',
        f"<title>{esc(title)}</title>",
        f"<desc>{esc(desc)}</desc>",
    ]


def _empty(width: int, title: str, desc: str, message: str, cls: str) -> str:
    parts = _open(width, 70, title, desc, cls)
    parts.append(
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="69" fill="{PALETTE["band"]}" stroke="{PALETTE["grid"]}"/>'
    )
    parts.append(_text(width / 2, 39, message, anchor="middle", fill=PALETTE["muted"]))
    parts.append("</svg>")
    return "".join(parts)


def _slots(count: int, left: float, right: float) -> tuple[list[float], float]:
    """The centres of ``count`` equal slots between ``left`` and ``right``, and a slot's width."""
    w = (right - left) / max(count, 1)
    return [left + w * (i + 0.5) for i in range(count)], w


def _category_labels(codes: Sequence[str], xs: Sequence[float], bottom: float) -> list[str]:
    """The participants' codes below the axis: level when they fit, slanted when many or long."""
    slant = len(codes) > 10 or max((len(_label(c, _LABEL_CHARS)) for c in codes), default=0) > 8
    out = []
    for code, x in zip(codes, xs):
        text, y = _label(code, _LABEL_CHARS), bottom + 14
        if slant:
            out.append(
                f'<text x="{n(x)}" y="{n(y)}" font-size="9.5" text-anchor="end" fill="{PALETTE["muted"]}" '
                f'transform="rotate(-30 {n(x)} {n(y)})">{esc(text)}</text>'
            )
        else:
            out.append(_note(x, y, text, anchor="middle"))
    return out


def _ref_line(
    y: float, left: float, right: float, *, cls: str, value: float, colour: str, dashed: bool, label: str
) -> list[str]:
    """A horizontal reference line (limit, critical value, assigned value) labelled on the right."""
    dash = ' stroke-dasharray="6 3"' if dashed else ""
    return [
        f'<line class="ref {cls}" data-value="{esc(fmt_significant(value))}" x1="{n(left)}" y1="{n(y)}" '
        f'x2="{n(right)}" y2="{n(y)}" stroke="{colour}" stroke-width="1.4"{dash}/>',
        _text(right + 4, y + 3.5, label, size=9.5, fill=colour),
    ]


def _bar(x: float, w: float, y0: float, y1: float, colour: str, tip: str) -> str:
    top, h = min(y0, y1), max(abs(y1 - y0), 1.0)  # a zero stays visible as a hairline
    return (
        f'<rect x="{n(x - w / 2)}" y="{n(top)}" width="{n(w)}" height="{n(h)}" fill="{colour}">'
        f"<title>{esc(tip)}</title></rect>"
    )


def _error_bar(x: float, a: float, b: float, colour: str) -> list[str]:
    """A vertical interval from ``a`` to ``b`` with end caps."""
    line = f'stroke="{colour}" stroke-width="1.4"'
    return [f'<line x1="{n(x)}" y1="{n(a)}" x2="{n(x)}" y2="{n(b)}" {line}/>'] + [
        f'<line x1="{n(x - 5)}" y1="{n(e)}" x2="{n(x + 5)}" y2="{n(e)}" {line}/>' for e in (a, b)
    ]


def _grid(ticks: Sequence[float], y: Callable[[float], float], left: float, right: float) -> list[str]:
    """Horizontal grid lines labelled on the left, to six significant digits (close ticks stay apart)."""
    out = []
    for t in ticks:
        out.append(
            f'<line x1="{left}" y1="{n(y(t))}" x2="{right}" y2="{n(y(t))}" stroke="{PALETTE["grid"]}"/>'
        )
        out.append(_note(left - 6, y(t) + 3.5, fmt_significant(round(t, 10) + 0.0), anchor="end"))
    return out


def _missing_mark(x: float, y: float, tip: str) -> str:
    return f'<text x="{n(x)}" y="{n(y - 4)}" font-size="10" text-anchor="middle" fill="{PALETTE["muted"]}">{MISSING}<title>{esc(tip)}</title></text>'


# --------------------------------------------------------------------------------------------
# z-scores
# --------------------------------------------------------------------------------------------


def _zones(
    y: Callable[[float], float], left: float, right: float, lim: float, warn: float, act: float
) -> list[str]:
    """The shaded zones: satisfactory within ±warn, questionable to ±act, unsatisfactory beyond."""
    zones = [
        (-lim, -act, PALETTE["bad_light"]),
        (-act, -warn, _WARN_LIGHT),
        (-warn, warn, PALETTE["ok_light"]),
    ]
    zones += [(warn, act, _WARN_LIGHT), (act, lim, PALETTE["bad_light"])]
    return [
        f'<rect x="{n(left)}" y="{n(y(hi))}" width="{n(right - left)}" height="{n(y(lo) - y(hi))}" '
        f'fill="{c}" fill-opacity="0.6"/>'
        for lo, hi, c in zones
        if hi > lo
    ]


def zscore_chart(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    score: str = "z",
    limits: tuple[float, float] = (2.0, 3.0),
    title: str = "",
    width: int = 860,
) -> str:
    """Bars of each participant's score (``rows``: code, score or None, flag) with the ±warn and ±act
    bands (dashed and solid lines, shaded zones); bars coloured by flag.  A score beyond the drawn
    range (±6 at most) is cut at its edge, marked with an arrow and labelled with its value."""
    warn, act = float(limits[0]), float(limits[1])
    label = title or f"{score} scores per participant"
    scores = [(_label(c), _finite(v), str(f)) for c, v, f in rows]
    desc = (
        f"{score} per participant, limits ±{fmt_value(warn)} (questionable beyond) and ±{fmt_value(act)} (unsatisfactory beyond): "
        + "; ".join(f"{c} {MISSING if v is None else fmt_value(v, 2)} ({f})" for c, v, f in scores)
    )
    if not any(v is not None for _, v, _ in scores):
        return _empty(width, label, desc, f"no {score} score: nothing to draw", "rr-z")
    biggest = max(abs(v) for _, v, _ in scores if v is not None)
    lim = min(max(act + 1.0, math.ceil(biggest + 0.5)), max(2 * act, act + 1.0))
    left, right, top, bottom = _LEFT, width - 44, _TOP, _TOP + _AXIS_H
    y = _scale(-lim, lim, bottom, top)
    parts = _open(width, bottom + 64, label, desc, "rr-z")
    parts += _zones(y, left, right, lim, warn, act)
    parts += _grid([t for t in nice_ticks(-lim, lim, 8) if -lim <= t <= lim], y, left, right)
    for v, colour, dashed in ((warn, PALETTE["warn"], True), (act, PALETTE["bad"], False)):
        for s in (1, -1):
            sign = "+" if s > 0 else "−"
            parts += _ref_line(
                y(s * v), left, right, cls=f"z-limit z-{'warn' if dashed else 'act'}", value=s * v,
                colour=colour, dashed=dashed, label=f"{sign}{fmt_value(v)}",
            )  # fmt: skip
    xs, slot = _slots(len(scores), left, right)
    for (code, v, flag), x in zip(scores, xs):
        if v is None:
            parts.append(_missing_mark(x, y(0), f"{code}: no {score} score"))
            continue
        shown = max(-lim, min(lim, v))
        tip = f"{code}: {score} = {fmt_value(v, 2)} ({flag})"
        parts.append(_bar(x, slot * 0.55, y(0), y(shown), FLAG_COLOURS.get(flag, PALETTE["other"]), tip))
        if shown != v:  # cut at the edge: an arrow and the value
            tip_y = y(shown) + (8 if v > 0 else -8)
            parts.append(
                _text(
                    x,
                    tip_y + 3,
                    f"{'▲' if v > 0 else '▼'} {fmt_value(v, 1)}",
                    size=9,
                    anchor="middle",
                    fill="#fff",
                )
            )
    parts.append(f'<line x1="{left}" y1="{n(y(0))}" x2="{right}" y2="{n(y(0))}" stroke="{PALETTE["ink"]}"/>')
    parts += _category_labels([c for c, _, _ in scores], xs, bottom)
    parts += _legend(bottom + 56, f"{score} score")
    parts.append("</svg>")
    return "".join(parts)


def _legend(y: float, what: str) -> list[str]:
    out, x = [], 10.0
    for flag, colour in FLAG_COLOURS.items():
        out += [
            f'<rect x="{n(x)}" y="{n(y - 8)}" width="10" height="8" fill="{colour}"/>',
            _note(x + 14, y, flag),
        ]
        x += 24 + 6.2 * len(flag)
    out.append(_note(x + 10, y, f"{what}; {MISSING}: not scored"))
    return out


# --------------------------------------------------------------------------------------------
# values around the assigned value
# --------------------------------------------------------------------------------------------


def _value_range(
    rows: Sequence[tuple[str, float | None, float | None, str]],
    assigned: float | None,
    u_assigned: float | None,
    sigma_pt: float | None,
) -> tuple[float, float]:
    pts: list[float] = []
    for _, v, u, _ in rows:
        if v is not None:
            pts += [v - 2 * (u or 0.0), v + 2 * (u or 0.0)]
    if assigned is not None:
        for spread in (u_assigned, sigma_pt):
            pts += [assigned - 2 * (spread or 0.0), assigned + 2 * (spread or 0.0)]
    lo, hi = min(pts), max(pts)
    pad = (hi - lo) * 0.06 or (abs(hi) * 0.05 or 1.0)
    return lo - pad, hi + pad


def _assigned_guides(
    y: Callable[[float], float], left: float, right: float, x_a: float, u_a: float | None, sd: float | None
) -> list[str]:
    """The band X ± 2u(X), the line of X and the guides X ± 2σ_pt."""
    parts = []
    if u_a:
        parts.append(
            f'<rect class="ref assigned-band" data-value="{esc(fmt_significant(2 * u_a))}" x="{n(left)}" '
            f'y="{n(y(x_a + 2 * u_a))}" width="{n(right - left)}" height="{n(y(x_a - 2 * u_a) - y(x_a + 2 * u_a))}" '
            f'fill="{PALETTE["measured"]}" fill-opacity="0.14"><title>X ± 2u(X): {esc(_num(x_a - 2 * u_a))} to '
            f"{esc(_num(x_a + 2 * u_a))}</title></rect>"
        )
    if sd:
        for s in (1, -1):
            parts += _ref_line(
                y(x_a + s * 2 * sd), left, right, cls="sigma-pt", value=x_a + s * 2 * sd,
                colour=PALETTE["warn"], dashed=True, label=f"X {'+' if s > 0 else '−'} 2σpt",
            )  # fmt: skip
    parts += _ref_line(
        y(x_a), left, right, cls="assigned", value=x_a, colour=PALETTE["ink"], dashed=False, label="X"
    )
    return parts


def values_chart(
    rows: Sequence[tuple[str, float | None, float | None, str]],
    *,
    assigned: float | None,
    u_assigned: float | None,
    sigma_pt: float | None,
    unit: str = "",
    title: str = "",
    width: int = 860,
) -> str:
    """Each participant's value (``rows``: code, value, standard uncertainty or None, flag) as a dot
    with a ±2u bar where u is given, around the assigned value X (line) with its band X ± 2u(X) and
    the guides X ± 2σ_pt (dashed)."""
    unit = _label(unit)
    label = title or f"Values per participant ({unit})"
    pts = [(_label(c), _finite(v), _finite(u), str(f)) for c, v, u, f in rows]
    x_a, u_a, sd = _finite(assigned), _finite(u_assigned), _finite(sigma_pt)
    desc = (
        f"Assigned value X = {_num(x_a)} {unit}, u(X) = {_num(u_a)}, σpt = {_num(sd)}; values (± u): "
        + "; ".join(f"{c} {_num(v)}" + (f" ± {_num(u)}" if u is not None else "") for c, v, u, _ in pts)
    )
    if not any(v is not None for _, v, _, _ in pts):
        return _empty(width, label, desc, "no value to draw", "rr-values")
    left, right, top, bottom = _LEFT + 14, width - 72, _TOP, _TOP + _AXIS_H
    lo, hi = _value_range(pts, x_a, u_a, sd)
    ticks = [t for t in nice_ticks(lo, hi, 6) if lo <= t <= hi]
    y = _scale(lo, hi, bottom, top)
    parts = _open(width, bottom + 64, label, desc, "rr-values")
    parts += _grid(ticks, y, left, right)
    if x_a is not None:
        parts += _assigned_guides(y, left, right, x_a, u_a, sd)
    xs, _ = _slots(len(pts), left, right)
    for (code, v, u, flag), x in zip(pts, xs):
        if v is None:
            parts.append(_missing_mark(x, bottom - 4, f"{code}: no value"))
            continue
        colour = FLAG_COLOURS.get(flag, PALETTE["other"])
        if u:
            parts += _error_bar(x, y(v - 2 * u), y(v + 2 * u), colour)
        tip = f"{code}: {_num(v)} {unit}" + (f" ± 2u = {_num(2 * u)}" if u is not None else "") + f" ({flag})"
        parts.append(
            f'<circle cx="{n(x)}" cy="{n(y(v))}" r="4" fill="{colour}"><title>{esc(tip)}</title></circle>'
        )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{PALETTE["muted"]}"/>')
    parts.append(_note(left - 50, top - 6, unit))
    parts += _category_labels([c for c, _, _, _ in pts], xs, bottom)
    parts.append(
        _note(10, bottom + 56, "dot: value, bar: ± 2u; X: assigned value, band: X ± 2u(X); dashed: X ± 2σpt")
    )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Mandel's h and k
# --------------------------------------------------------------------------------------------

_CRITICAL = (("5%", PALETTE["warn"], True), ("1%", PALETTE["bad"], False))


def mandel_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    statistic: str,
    critical: Mapping[str, float | None] | None = None,
    title: str = "",
    width: int = 860,
) -> str:
    """Bars of Mandel's ``statistic`` (``h``: two-sided, ``k``: one-sided) per participant with the
    critical values at 5 % (dashed) and 1 % (solid); a bar beyond one takes its colour."""
    two_sided = statistic == "h"
    crit = {key: _finite((critical or {}).get(key)) for key, _, _ in _CRITICAL}
    label = title or f"Mandel's {statistic} per participant"
    vals = [(_label(c), _finite(v)) for c, v in rows]
    desc = (
        f"Mandel's {statistic}, critical values 5 % {_num(crit['5%'])}, 1 % {_num(crit['1%'])}"
        + (" (±)" if two_sided else "")
        + ": "
        + "; ".join(f"{c} {MISSING if v is None else fmt_value(v, 2)}" for c, v in vals)
    )
    if not any(v is not None for _, v in vals):
        return _empty(
            width, label, desc, f"no Mandel's {statistic}: nothing to draw", f"rr-mandel-{statistic}"
        )
    top_v = (
        max([abs(v) for _, v in vals if v is not None] + [c for c in crit.values() if c is not None]) * 1.15
    )
    top_v = top_v or 1.0
    lo = -top_v if two_sided else 0.0
    left, right, top, bottom = _LEFT, width - 44, _TOP, _TOP + _AXIS_H
    y = _scale(lo, top_v, bottom, top)
    parts = _open(width, bottom + 64, label, desc, f"rr-mandel-{statistic}")
    parts += _grid([t for t in nice_ticks(lo, top_v, 6) if lo <= t <= top_v], y, left, right)
    for key, colour, dashed in _CRITICAL:
        if crit[key] is None:
            continue
        for s in (1, -1) if two_sided else (1,):
            parts += _ref_line(
                y(s * crit[key]), left, right, cls=f"crit crit-{key[:-1]}", value=s * crit[key],
                colour=colour, dashed=dashed, label=key.replace("%", " %"),
            )  # fmt: skip
    xs, slot = _slots(len(vals), left, right)
    for (code, v), x in zip(vals, xs):
        if v is None:
            parts.append(_missing_mark(x, y(0), f"{code}: no {statistic}"))
            continue
        colour = PALETTE["measured"]
        for key, c, _ in _CRITICAL:
            if crit[key] is not None and abs(v) > crit[key]:
                colour = c
        parts.append(_bar(x, slot * 0.55, y(0), y(v), colour, f"{code}: {statistic} = {fmt_value(v, 2)}"))
    parts.append(f'<line x1="{left}" y1="{n(y(0))}" x2="{right}" y2="{n(y(0))}" stroke="{PALETTE["ink"]}"/>')
    parts += _category_labels([c for c, _ in vals], xs, bottom)
    parts.append(
        _note(
            10, bottom + 56, f"Mandel's {statistic}; dashed: 5 % critical value, solid: 1 %; {MISSING}: none"
        )
    )
    parts.append("</svg>")
    return "".join(parts)
