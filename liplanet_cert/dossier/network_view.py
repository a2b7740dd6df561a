"""The dossier's "Where this line stands" section: the line's standing in a batch run's network
(``dossier --network RUN_DIR``), given as plain data by the command (computed by
``liplanet_cert.batch.network``, which the dossier does not import): its own values, named; the other
lines only as anonymous values in the distribution."""

from __future__ import annotations

from typing import Any

from liplanet_cert.dossier.formatting import fmt_value

__all__ = ["network_view"]


def _rank_text(rank: float | None) -> str:
    return "—" if rank is None else f"{rank:.0f}"


def network_view(standing: dict[str, Any] | None, html: bool) -> dict[str, Any] | None:
    """Display-ready values of the section (None when the dossier has no ``--network``)."""
    if not standing:
        return None
    from liplanet_cert.dossier.network_chart import network_chart

    rows = []
    for f in standing["figures"]:
        rows.append(
            {
                "title": f["title"],
                "unit": f["unit"],
                "n": f["n"],
                "value": fmt_value(f["value"]),
                "rank": _rank_text(f["rank"]),
                "min": fmt_value(f["min"]),
                "q1": fmt_value(f["q1"]),
                "median": fmt_value(f["median"]),
                "q3": fmt_value(f["q3"]),
                "max": fmt_value(f["max"]),
            }
        )
    return {
        "run": standing["run"],
        "lines": standing["lines"],
        "unassessed": standing["unassessed"],
        "in_run": standing["in_run"],
        "code": standing["code"],
        "name": standing["name"],
        "quantile_method": standing["quantile_method"],
        "rank_method": standing["rank_method"],
        "rows": rows,
        "chart": network_chart(standing["figures"]) if html else "",
    }
