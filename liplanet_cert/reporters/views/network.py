"""Console view of ``liplanet-cert network``: the network's distribution of every KPI and footprint
figure (n, min, quartiles, median, max), then each line's value and percentile rank, by code."""

from __future__ import annotations

from typing import Any

from liplanet_cert.batch.network import QUANTILE_METHOD, RANK_METHOD, Network
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col
from liplanet_cert.reporters.views.base import View


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.4g}"


class NetworkView(View[Network]):
    """``network RUN_DIR``: where each pilot line of a batch run stands among the others."""

    def show(self, item: Network, console: Any) -> None:
        skipped = sum(item.unassessed.values())
        detail = ", ".join(f"{n} {s}" for s, n in sorted(item.unassessed.items()))
        print_text(
            console,
            f"network of {clean(item.run)}: {len(item.lines)} assessed line{'s' if len(item.lines) != 1 else ''}"
            + (
                f" · {skipped} bundle{'s' if skipped != 1 else ''} not compared ({detail})" if skipped else ""
            ),
            "bold",
        )
        table = SafeTable(
            text_col("figure"),
            id_col("unit"),
            *(id_col(h, justify="right") for h in ("n", "min", "Q1", "median", "Q3", "max")),
            title="Distribution over the network",
        )
        for d in item.distributions:
            s = d.stats()
            table.add_row(
                d.title, d.unit, str(d.n), *(_num(s[k]) for k in ("min", "q1", "median", "q3", "max"))
            )
        table.print(console)
        print_text(console, f"quartiles: {QUANTILE_METHOD}", "dim")
        _positions(item, console)
        print_text(console, f"position: value (percentile rank); {RANK_METHOD}", "dim")
        if not item.revealed:
            print_text(console, "lines are pseudonymised (codes); --reveal shows their names", "dim")


def _positions(item: Network, console: Any) -> None:
    cols = [id_col("line"), id_col("verdict")]
    if item.revealed:
        cols.append(text_col("pilot line"))
    table = SafeTable(
        *cols,
        *(id_col(d.key.split(".", 1)[1], justify="right") for d in item.distributions),
        title="Position of each line",
    )
    for ln in item.lines:
        cells: list[Any] = [ln.code, ln.verdict] + ([ln.name] if item.revealed else [])
        for d in item.distributions:
            v = ln.values[d.key]
            rank = d.rank(v)
            cells.append("—" if v is None or rank is None else f"{v:.4g} ({rank:.0f})")
        table.add_row(*cells)
    table.print(console)
