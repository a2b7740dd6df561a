"""The round-robin report, in Markdown or as one self-contained HTML page with charts.

:func:`render` takes the published JSON form of a round-robin result
(:meth:`liplanet_cert.roundrobin.model.RoundRobinResult.to_dict`) and lays it out with the templates
``templates/roundrobin.html.j2`` and ``templates/roundrobin.md.j2``, through the environments of the
audit dossier (:mod:`liplanet_cert.dossier.templating`): HTML autoescaped, Markdown escaped the
Markdown way, every text cleaned by :func:`liplanet_cert.infra.textsafe.clean`.  The HTML holds its
CSS and its SVG charts (:mod:`liplanet_cert.dossier.rr_charts`) inline and refers to nothing outside
itself; the Markdown holds the same tables and a text summary per measurand.  The same result gives
the same bytes: nothing here reads a clock or depends on the order of a set.

The result is read leniently: a missing or null number is shown as ``—`` and never fails the report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from liplanet_cert.dossier.formatting import MISSING, fmt_significant, fmt_value
from liplanet_cert.infra.textsafe import clean_tree
from liplanet_cert.roundrobin.model import FLAGS

__all__ = ["FORMATS", "build_context", "render"]

FORMATS = {"markdown": "roundrobin.md.j2", "md": "roundrobin.md.j2", "html": "roundrobin.html.j2"}
SCORES = (("z", "z"), ("z_prime", "z′"), ("zeta", "ζ"), ("En", "En"))
CHART_KEYS = ("z_chart", "values_chart", "h_chart", "k_chart")
CRITICAL_LEVELS = ("5%", "1%")


def _finite(x: Any) -> float | None:
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(float(x)) else None


def _val(x: Any) -> str:
    """A measured quantity, to six significant digits (a round robin compares small differences)."""
    v = _finite(x)
    return MISSING if v is None else fmt_significant(v)


def _with_unit(x: Any, unit: Any) -> str:
    text = _val(x)
    return f"{text} {unit}" if text != MISSING and unit else text


def _score(x: Any) -> str:
    v = _finite(x)
    return MISSING if v is None else fmt_value(v, 2)


def _text(x: Any) -> str:
    """Any value of a statistical test shown as text: numbers to six significant digits."""
    if x is None:
        return MISSING
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        return _val(x)
    if isinstance(x, (list, tuple)):
        return ", ".join(_text(v) for v in x) or MISSING
    if isinstance(x, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in x.items()) or MISSING
    return str(x)


def _test_rows(name: str, obj: Any, path: str = "", depth: int = 0) -> list[dict[str, str]]:
    """A test's result (Cochran, Grubbs: any nesting of dicts and lists) as rows test | item | value."""
    if isinstance(obj, Mapping) and depth < 3:
        rows = [
            r
            for k, v in obj.items()
            for r in _test_rows(name, v, f"{path}{'.' if path else ''}{k}", depth + 1)
        ]
        return rows or [{"test": name, "item": path or MISSING, "value": MISSING}]
    if isinstance(obj, list) and depth < 3 and any(isinstance(v, (Mapping, list)) for v in obj):
        return [
            r
            for i, v in enumerate(obj, 1)
            for r in _test_rows(name, v, f"{path}{'.' if path else ''}{i}", depth + 1)
        ]
    return [{"test": name, "item": path or MISSING, "value": _text(obj)}]


def _flag(flag: Any) -> dict[str, str]:
    text = MISSING if flag in (None, "") else str(flag)
    return {"flag": text, "flag_class": text if text in FLAGS else "other"}


def _participants(m: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in m.get("participants") or []:
        row = {
            "code": str(p.get("participant", "")),
            "value": _val(p.get("value")),
            "u": _val(p.get("uncertainty")),
        }
        row["replicates"] = MISSING if p.get("replicates") is None else str(p.get("replicates"))
        row.update({key: _score(p.get(key)) for key, _ in SCORES})
        row.update(_flag(p.get("flag")))
        out.append(row)
    return out


def _chart_score(m: Mapping[str, Any]) -> tuple[str, str] | None:
    """The score the charts show: the one the flags are given on (``flag_score``: z′ when u(X) is
    not negligible, ISO 13528 §9.2), else z where any participant has one, else z′; None when neither."""
    parts = m.get("participants") or []
    if any(p.get("flag_score") == "z_prime" for p in parts) and any(
        _finite(p.get("z_prime")) is not None for p in parts
    ):
        return SCORES[1]
    for key, shown in SCORES[:2]:
        if any(_finite(p.get(key)) is not None for p in m.get("participants") or []):
            return key, shown
    return None


def _summary(m: Mapping[str, Any], rows: list[dict[str, Any]], score: tuple[str, str] | None) -> str:
    """One sentence: how many participants, on what score, and how they were flagged."""
    n = len(rows)
    if score is None:
        return f"{n} participant{'s' if n != 1 else ''}; no score was computed (see the limitations)."
    counts = {f: sum(1 for r in rows if r["flag"] == f) for f in FLAGS}
    parts = [f"{counts[f]} {f}" for f in FLAGS]
    other = n - sum(counts.values())
    if other:
        parts.append(f"{other} not flagged")
    worst = max(
        (
            (abs(v), r["code"])
            for p, r in zip(m.get("participants") or [], rows)
            if (v := _finite(p.get(score[0]))) is not None
        ),
        default=None,
    )
    tail = f"; largest |{score[1]}| {fmt_value(worst[0], 2)} ({worst[1]})" if worst else ""
    return f"{n} participant{'s' if n != 1 else ''} scored on {score[1]}: {', '.join(parts)}{tail}."


def _critical(obj: Any) -> dict[str, str]:
    crit = obj if isinstance(obj, Mapping) else {}
    return {level: _val(crit.get(level)) for level in CRITICAL_LEVELS}


def _precision(m: Mapping[str, Any], codes: list[str]) -> dict[str, Any] | None:
    """The ISO 5725-2 block, when the result has replicates (``s_r`` or Mandel's statistics present)."""
    if not any(key in m for key in ("s_r", "s_L", "s_R", "mandel_h", "mandel_k")):
        return None
    h = m.get("mandel_h") if isinstance(m.get("mandel_h"), Mapping) else {}
    k = m.get("mandel_k") if isinstance(m.get("mandel_k"), Mapping) else {}
    order = list(dict.fromkeys([*[c for c in codes if c in h or c in k], *h, *k]))
    tests = [
        r
        for name in ("cochran", "grubbs")
        if m.get(name) is not None
        for r in _test_rows(name.capitalize(), m[name])
    ]
    return {
        "s_r": _val(m.get("s_r")),
        "s_L": _val(m.get("s_L")),
        "s_R": _val(m.get("s_R")),
        "mandel": [{"code": str(c), "h": _score(h.get(c)), "k": _score(k.get(c))} for c in order],
        "mandel_raw": [(str(c), _finite(h.get(c)), _finite(k.get(c))) for c in order],
        "h_critical": _critical(m.get("h_critical")),
        "k_critical": _critical(m.get("k_critical")),
        "tests": tests,
        "outliers": [_text(v) for v in m.get("outliers") or []],
        "stragglers": [_text(v) for v in m.get("stragglers") or []],
    }


def _limits(m: Mapping[str, Any]) -> tuple[float, float]:
    lim = m.get("limits")
    if isinstance(lim, (list, tuple)) and len(lim) == 2 and all(_finite(v) is not None for v in lim):
        return float(lim[0]), float(lim[1])
    return 2.0, 3.0


def _charts(m: Mapping[str, Any], ctx: dict[str, Any]) -> dict[str, str]:
    """The SVG charts of one measurand (HTML only)."""
    from liplanet_cert.dossier import rr_charts

    parts = m.get("participants") or []
    name, unit = ctx["name"], ctx["unit"]
    score = ctx["score_key"] or "z"
    out = {
        "z_chart": rr_charts.zscore_chart(
            [(str(p.get("participant", "")), p.get(score), str(p.get("flag", ""))) for p in parts],
            score=ctx["score_name"] or "z",
            limits=_limits(m),
            title=f"{name}: {ctx['score_name'] or 'z'} scores per participant",
        ),
        "values_chart": rr_charts.values_chart(
            [
                (str(p.get("participant", "")), p.get("value"), p.get("uncertainty"), str(p.get("flag", "")))
                for p in parts
            ],
            assigned=m.get("assigned_value"),
            u_assigned=m.get("u_assigned_value"),
            sigma_pt=m.get("sigma_pt"),
            unit=unit,
            title=f"{name}: values per participant ({unit}) around the assigned value",
        ),
    }
    prec = ctx["precision"]
    if prec is not None:
        for stat, idx in (("h", 1), ("k", 2)):
            out[f"{stat}_chart"] = rr_charts.mandel_chart(
                [(row[0], row[idx]) for row in prec["mandel_raw"]],
                statistic=stat,
                critical=m.get(f"{stat}_critical")
                if isinstance(m.get(f"{stat}_critical"), Mapping)
                else None,
                title=f"{name}: Mandel's {stat} per participant",
            )
    return out


def _measurand(i: int, m: Mapping[str, Any], *, html: bool) -> dict[str, Any]:
    rows = _participants(m)
    score = _chart_score(m)
    ctx: dict[str, Any] = {
        "index": i,
        "name": str(m.get("measurand", "")),
        "unit": str(m.get("unit", "")),
        "n": MISSING if m.get("n") is None else str(m.get("n")),
        "assigned": _val(m.get("assigned_value")),
        "assigned_text": _with_unit(m.get("assigned_value"), m.get("unit")),
        "u_assigned": _val(m.get("u_assigned_value")),
        "sigma_pt": _val(m.get("sigma_pt")),
        "method": str(m.get("method") or MISSING),
        "limitations": [str(x) for x in m.get("limitations") or []],
        "participants": rows,
        "limits": [fmt_value(v) for v in _limits(m)],
        "score_key": score[0] if score else None,
        "score_name": score[1] if score else None,
        "summary": _summary(m, rows, score),
        "counts": {f: sum(1 for r in rows if r["flag"] == f) for f in FLAGS},
        "precision": _precision(m, [r["code"] for r in rows]),
    }
    if html:
        ctx.update(_charts(m, ctx))
    return ctx


def build_context(result: Mapping[str, Any], *, html: bool) -> dict[str, Any]:
    """The display-ready values of the report: texts cleaned, numbers formatted, charts (HTML) built."""
    result = clean_tree(dict(result))
    proto = result.get("protocol") if isinstance(result.get("protocol"), Mapping) else {}
    tool = result.get("tool") if isinstance(result.get("tool"), Mapping) else {}
    protocol = {
        key: str(proto.get(key) or "") for key in ("id", "version", "round_id", "reference_design", "source")
    }
    title = (
        f"round {protocol['round_id']}" if protocol["round_id"] else f"protocol {protocol['id'] or MISSING}"
    )
    measurands = [m for m in result.get("measurands") or [] if isinstance(m, Mapping)]
    return {
        "title": title,
        "protocol": protocol,
        "pseudonymised": bool(result.get("pseudonymised", True)),
        "tool": {"name": str(tool.get("name") or "liplanet-cert"), "version": str(tool.get("version") or "")},
        "schema_version": str(result.get("schema_version") or ""),
        "measurands": [_measurand(i, m, html=html) for i, m in enumerate(measurands, 1)],
        "scores": [shown for _, shown in SCORES],
    }


def _mark_safe(ctx: dict[str, Any]) -> dict[str, Any]:
    """The HTML context with its chart SVG (built and escaped by :mod:`.rr_charts`) and the running
    header (CSS string literals, escaped by :func:`~liplanet_cert.dossier.templating.css_string`) marked safe."""
    from markupsafe import Markup

    from liplanet_cert.dossier.templating import css_string

    for m in ctx["measurands"]:
        for key in CHART_KEYS:
            if key in m:
                m[key] = Markup(m[key])
    ctx["page_css"] = {
        "top_left": Markup(css_string(f"LiPLANET round-robin report · {ctx['title']}")),
        "top_right": Markup(css_string(f"protocol {ctx['protocol']['id']} v{ctx['protocol']['version']}")),
    }
    return ctx


def render(result: Mapping[str, Any], fmt: str) -> str:
    """The report of ``result`` (the JSON form of a round-robin result) as ``markdown`` or ``html``."""
    from liplanet_cert.dossier.templating import environment
    from liplanet_cert.errors import UsageError

    key = str(fmt).strip().lower()
    if key not in FORMATS:
        raise UsageError(
            f"unknown round-robin report format {fmt!r} (expected markdown or html)", file="--format"
        )
    html = key == "html"
    env = environment(markdown=not html)
    ctx = build_context(result, html=html)
    if not html:
        return env.get_template(FORMATS[key]).render(**ctx)
    from liplanet_cert.dossier.nobreak import glue

    return glue(env.get_template(FORMATS[key]).render(**_mark_safe(ctx)))
