"""Console view of a criteria pack diff (``criteria diff``): a summary line, then tables of the
criteria added, removed and changed."""

from __future__ import annotations

from typing import Any

from liplanet_cert.criteria.diff import PackDiff
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col
from liplanet_cert.reporters.views.base import View


class DiffView(View[PackDiff]):
    """``criteria diff``: what changed between two packs."""

    def show(self, item: PackDiff, console: Any) -> None:

        print_text(
            console,
            f"{item.old.ref} → {item.new.ref}: "
            f"{len(item.added)} added · {len(item.removed)} removed · {len(item.changed)} changed · {item.unchanged} unchanged",
            "bold",
        )
        if item.added:
            _added(item, console)
        if item.removed:
            _removed(item, console)
        if item.changed:
            _changed(item, console)


def _added(item: PackDiff, console: Any) -> None:

    t = SafeTable(
        id_col("id"),
        id_col("severity"),
        words_col("threshold"),
        words_col("applies if"),
        text_col("title", optional=True),
        title="added",
        header_style="bold green",
    )
    for x in item.added:
        t.add_row(x.id, x.severity, clean(x.threshold), clean(x.applicability), clean(x.title))
    t.print(console)


def _removed(item: PackDiff, console: Any) -> None:

    t = SafeTable(
        id_col("id"),
        id_col("severity"),
        words_col("threshold"),
        text_col("title", optional=True),
        title="removed",
        header_style="bold red",
    )
    for x in item.removed:
        t.add_row(x.id, x.severity, clean(x.threshold), clean(x.title))
    t.print(console)


def _changed(item: PackDiff, console: Any) -> None:

    t = SafeTable(
        id_col("id"),
        id_col("what"),
        words_col("old"),
        words_col("new"),
        title="changed",
        header_style="bold yellow",
    )
    for x in item.changed:
        for c in x.changes:
            t.add_row(x.id, c.field, clean(c.old), clean(c.new))
    t.print(console)
