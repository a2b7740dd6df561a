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
        title = text_col("title", optional=True)
        tables = (
            (
                "added",
                "bold green",
                (id_col("id"), id_col("severity"), words_col("threshold"), words_col("applies if"), title),
                [
                    (x.id, x.severity, clean(x.threshold), clean(x.applicability), clean(x.title))
                    for x in item.added
                ],
            ),
            (
                "removed",
                "bold red",
                (id_col("id"), id_col("severity"), words_col("threshold"), title),
                [(x.id, x.severity, clean(x.threshold), clean(x.title)) for x in item.removed],
            ),
            (
                "changed",
                "bold yellow",
                (id_col("id"), id_col("what"), words_col("old"), words_col("new")),
                [(x.id, c.field, clean(c.old), clean(c.new)) for x in item.changed for c in x.changes],
            ),
        )
        for name, style, columns, rows in tables:
            if rows:
                t = SafeTable(*columns, title=name, header_style=style)
                for row in rows:
                    t.add_row(*row)
                t.print(console)
