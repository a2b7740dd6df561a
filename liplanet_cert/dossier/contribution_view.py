"""The dossier's view of the footprint's contribution analysis: per computed stage, a bar chart of
its top contributors (process rows of :mod:`liplanet_cert.lca.contribution`) and a short table of
its elementary flows; kept small so that the dossier stays within its page budget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier import charts
from liplanet_cert.dossier.formatting import number

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.lca.types import FootprintResult

CHART_ROWS = 4  # bars per stage in the chart (the JSON has every row at or above the cutoff)
_TITLES = {"raw_material_acquisition": "Raw materials", "main_production": "Main production"}
_KIND = {"electricity": "electricity", "heat": "heat", "supply": "heat"}  # by activity-code prefix


def _kind(code: str) -> str:
    prefix = code.partition("|")[0]
    return _KIND.get(prefix, "materials" if "material" in prefix else "other")


def _label(row: dict[str, Any]) -> str:
    code = str(row.get("process", ""))
    fg = str(row.get("foreground", ""))
    return fg if code.partition("|")[2] == fg else f"{fg} · {code}"


def contribution_view(fp: FootprintResult | None, html: bool) -> dict[str, Any] | None:
    """None without a footprint or without the analysis (one stored before it)."""
    if fp is None:
        return None
    staged = [st for st in fp.stages if isinstance(st.contributions, dict)]
    if not staged:
        return None
    stages, bars = [], []
    for st in staged:
        c = st.contributions or {}
        procs = [r for r in c.get("processes") or [] if isinstance(r, dict)]
        items = [(_label(r), _kind(str(r.get("process", ""))), float(r.get("share", 0))) for r in procs]
        other = c.get("processes_other") or {}
        shown = items[:CHART_ROWS]
        rest = sum(i[2] for i in items[CHART_ROWS:]) + float(other.get("share", 0) or 0)
        if rest > 0:
            shown.append(
                (f"other ({len(items) - len(shown) + int(other.get('count', 0) or 0)})", "other", rest)
            )
        bars.append((_TITLES.get(st.name, st.name), shown))
        fo = c.get("flows_other") or {}
        stages.append(
            {
                "title": _TITLES.get(st.name, st.name),
                "flows": [
                    {"flow": str(f.get("flow", "")), "share": number(f.get("share"))}
                    for f in c.get("flows") or []
                    if isinstance(f, dict)
                ],
                "flows_other": number(fo.get("share")) if fo.get("count") else None,
                "co2e_as_co2": number(c.get("co2e_as_co2_share"))
                if (c.get("co2e_as_co2_share") or 0) > 0.005
                else None,
            }
        )
    cutoff = number((staged[0].contributions or {}).get("cutoff"))
    return {
        "cutoff": cutoff,
        "stages": stages,
        "chart": charts.contribution_chart(bars) if html else "",
        "rows": CHART_ROWS,
    }
