"""The dossier's quality section (issue 15): per (step, characteristic) of the result's ``quality``
the figures, and, for a characteristic that is not capable (Cpk < 1.33), has values out of
specification or breaks a run rule, its capability histogram and control chart.  The others are a
table row only: the approved example's print must stay within its page budget."""

from __future__ import annotations

from typing import Any

from liplanet_cert.dossier import spc_charts

CAPABLE = 1.33  # the draft pack's acceptance level (criteria/drafts/liplanet-2026-2.3.0-draft.yaml)


def quality_view(rows: list[dict[str, Any]], step_titles: dict[str, str], html: bool) -> list[dict[str, Any]]:
    """The template rows (keys listed in templates/partials/quality_section.html.j2)."""
    from liplanet_cert.catalogue import quality_characteristics

    chars = quality_characteristics()
    out = []
    for q in rows:
        ch = chars.get(q.get("step", ""), {}).get(q.get("characteristic", ""))
        chart = q.get("chart") or {}
        signals = {int(k): v for k, v in (chart.get("signals") or {}).items()}
        labels = chart.get("labels") or []
        rules = [
            f"{labels[i] if i < len(labels) else i}: rule {', '.join(map(str, r))}"
            for i, r in sorted(signals.items())
        ]
        cpk, oos = q.get("cpk"), q.get("out_of_spec")
        show = bool(signals) or bool(oos) or (cpk is not None and cpk < CAPABLE)
        title = ch.title if ch is not None else q.get("characteristic", "")
        row = {
            "step_title": step_titles.get(q.get("step", ""), q.get("step", "")),
            "characteristic_title": title,
            "unit": q.get("unit", ""),
            "n": q.get("n"),
            "mean": q.get("mean"),
            "cpk": cpk,
            "cpk_ci": q.get("cpk_ci"),
            "ppk": q.get("ppk"),
            "ppk_ci": q.get("ppk_ci"),
            "lsl": q.get("lsl"),
            "usl": q.get("usl"),
            "out_of_spec": oos,
            "out_of_control_rules": rules[:12] + ([f"and {len(rules) - 12} more"] if len(rules) > 12 else []),
            "limitation": q.get("limitation", ""),
            "show_charts": show,
            "histogram_svg": "",
            "control_svg": "",
        }
        if html and show:
            row["histogram_svg"] = _histogram(q, title)
            row["control_svg"] = spc_charts.control_chart(
                chart.get("points") or [],
                centre=(chart.get("centre") or [0.0])[0],
                ucl=chart.get("ucl") or [],
                lcl=chart.get("lcl") or [],
                labels=labels,
                flagged=signals,
                title=f"{title}: {chart.get('kind', '')} chart by lot",
                unit=q.get("unit", ""),
            )
        out.append(row)
    return out


def _histogram(q: dict[str, Any], title: str) -> str:
    if q.get("mean") is None or q.get("sd_overall") is None:
        return ""
    return spc_charts.capability_histogram(
        q.get("values") or [],
        lsl=q.get("lsl"),
        usl=q.get("usl"),
        target=q.get("target"),
        mean=q["mean"],
        sd_overall=q["sd_overall"],
        sd_within=q.get("sd_within"),
        unit=q.get("unit", ""),
        title=f"{title}: capability",
        cpk=q.get("cpk"),
        ppk=q.get("ppk"),
    )
