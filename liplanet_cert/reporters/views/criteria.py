"""Console views of the criteria catalogues: the shipped packs (``criteria list``), one pack's
criteria (``criteria show``) and the metrics a pack may test (``criteria metrics``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from liplanet_cert.reporters.views.base import View


class PackListView(View[Sequence[Any]]):
    """The shipped packs (``CriteriaPack``), the one in force on the day marked."""

    def __init__(self, in_force: str | None = None) -> None:
        self.in_force = in_force  # ref (id@version) of the pack in force, if any

    def show(self, item: Sequence[Any], console: Any) -> None:
        from liplanet_cert.criteria.select import validity_text
        from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col, words_col

        t = SafeTable(
            id_col("pack"),
            id_col("in force"),
            words_col("valid"),
            id_col("criteria", justify="right"),
            id_col("sha256"),
            text_col("title", optional=True),
        )
        for p in item:
            t.add_row(
                p.ref,
                "◀ in force" if p.ref == self.in_force else "",
                validity_text(p),
                len(p.criteria),
                p.sha256[:12],
                p.title,
            )
        t.print(console)


class PackView(View[Any]):
    """One ``CriteriaPack``: its header and a row per criterion (threshold, severity, applicability,
    source); as JSON its id, version, sha256 and the pack as written."""

    def show(self, item: Any, console: Any) -> None:
        from liplanet_cert.criteria.select import validity_text
        from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col

        p = item
        print_text(console, f"{p.ref} — {p.title}", "bold")
        print_text(
            console,
            f"valid {validity_text(p)} · supersedes {p.supersedes or '-'} · sha256 {p.sha256}",
        )
        t = SafeTable(
            id_col("id"),
            text_col("title"),
            id_col("category"),
            id_col("severity"),
            words_col("expected"),
            words_col("applies if"),
            text_col("source", optional=True),
            show_lines=True,
        )
        for c in p.criteria:
            t.add_row(
                c.id,
                c.title,
                c.category,
                c.severity,
                expected_text(c),
                c.applies_if.expected if c.applies_if else "",
                c.source_text,
            )
        t.print(console)

    def to_json(self, item: Any) -> str:
        from liplanet_cert.reporters.json_ import dumps

        return dumps({"id": item.id, "version": item.version, "sha256": item.sha256, "pack": item.raw})


def expected_text(c: Any) -> str:
    """What a criterion expects, in words: its checks joined by "or", or the consistency tolerance."""
    if c.check:
        return " or ".join(x.expected for x in c.check)
    return f"declared {c.consistency['kpi']} within ± {c.consistency['text']} of the logs"


class MetricsView(View[Sequence[Any]]):
    """The metric catalogue (``MetricSpec``, in the order given): kind, unit, source, meaning; as
    JSON each spec with the operators its kind allows."""

    def show(self, item: Sequence[Any], console: Any) -> None:
        from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col, words_col

        t = SafeTable(
            id_col("metric"),
            id_col("kind"),
            words_col("unit (dimension)"),
            id_col("from"),
            text_col("meaning"),
        )
        for m in item:
            unit = f"{m.unit} ({m.dimension})" if m.kind == "quantity" else "-"
            t.add_row(m.name, m.kind, m.unit_note or unit, m.source, m.description)
        t.print(console)

    def to_json(self, item: Sequence[Any]) -> str:
        from liplanet_cert.catalogue import OPS_BY_KIND
        from liplanet_cert.reporters.json_ import dumps

        return dumps({"metrics": [{**m.to_dict(), "operators": sorted(OPS_BY_KIND[m.kind])} for m in item]})
