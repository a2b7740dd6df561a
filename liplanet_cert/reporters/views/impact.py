"""Console view of ``criteria impact``: the counts, then the approved lines that would lose the
seal, those that cannot be judged from the stored results, and those that might gain it."""

from __future__ import annotations

from typing import Any

from liplanet_cert import catalogue
from liplanet_cert.batch.impact import Impact, ImpactRow
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col
from liplanet_cert.reporters.views.base import View


class ImpactView(View[Impact]):
    """``criteria impact``: which approved lines a new pack would cost the seal."""

    def show(self, item: Impact, console: Any) -> None:
        c = item.counts
        print_text(
            console,
            f"impact of {item.new.ref} on {clean(item.against)}: {c['lose_approval']} would lose the seal · "
            f"{c['needs_reassessment']} cannot be judged · {c['keep_approval']} keep it · {c['gain_approval']} would gain it · "
            f"{c['may_gain_approval']} might gain it · {c['stay_not_approved']} stay not approved · {c['invalid']} invalid",
            "bold",
        )
        lost, unsure = item.rows("lose_approval"), item.rows("needs_reassessment")
        if lost:
            _lost(lost, unsure, console)
        if unsure:
            _unsure(item, unsure, console)
        maybe = item.rows("may_gain_approval")
        if maybe:
            print_text(
                console,
                f"{len(maybe)} not-approved line{'s' if len(maybe) != 1 else ''} might gain the seal (cannot be judged from stored results): "
                + ", ".join(clean(r.bundle) for r in maybe[:10])
                + (f" and {len(maybe) - 10} more" if len(maybe) > 10 else ""),
                "yellow",
            )
        if not lost and not unsure:
            print_text(console, "no approved line would lose the seal", "bold green")


def _lines(n: int) -> str:
    return f"{n} approved line{'s' if n != 1 else ''}"


def _lost(lost: list[ImpactRow], unsure: list[ImpactRow], console: Any) -> None:
    print_text(
        console,
        f"{_lines(len(lost))} would lose the seal"
        + (f", and more may: {len(unsure)} cannot be judged (below)" if unsure else ""),
        "bold red",
    )
    _line_table(
        console,
        "would lose the seal",
        "bold red",
        (words_col("criteria"),),
        [(", ".join(r.criteria),) for r in lost],
        lost,
    )


def _unsure(item: Impact, unsure: list[ImpactRow], console: Any) -> None:
    n = len(unsure)
    print_text(
        console,
        f"{_lines(n)} cannot be judged from stored results: {'they lack' if n != 1 else 'it lacks'} {_metric_list(item.lacks)}; "
        f"re-run `{clean(item.rerun)}` to know",
        "bold yellow",
    )
    _line_table(
        console,
        "cannot be judged from stored results",
        "bold yellow",
        (words_col("undecided criteria"), words_col("stored results lack")),
        [(", ".join(r.undecided), ", ".join(clean(m) for m in r.lacks)) for r in unsure],
        unsure,
    )


def _line_table(
    console: Any,
    title: str,
    style: str,
    columns: tuple[Any, ...],
    cells: list[tuple[str, ...]],
    rows: list[ImpactRow],
) -> None:
    """A table of pilot lines: pilot line, bundle (the key of each record), then ``columns``."""
    t = SafeTable(text_col("pilot line"), id_col("bundle"), *columns, title=title, header_style=style, key=1)
    for r, more in zip(rows, cells):
        t.add_row(clean(r.pilot_line), clean(r.bundle), *more)
    t.print(console)


def _metric_list(names: tuple[str, ...]) -> str:
    """'footprint metrics footprint.a, footprint.b; logs metrics step.x.scrap_rate' (at most 12 names)."""
    groups: dict[str, list[str]] = {}
    for m in names[:12]:
        spec = catalogue.spec(m)
        groups.setdefault(f"{spec.source} metrics " if spec is not None else "", []).append(clean(m))
    text = "; ".join(label + ", ".join(ms) for label, ms in groups.items()) or "data"
    return text + (f" and {len(names) - 12} more" if len(names) > 12 else "")
