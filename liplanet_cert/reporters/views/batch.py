"""Console view of a batch run (``liplanet-cert batch``): what was searched and skipped, the counts,
the status changes against an earlier run, and where the files are; and, without the summary table
(``--quiet``, ``--format``), the warnings that still say what was skipped."""

from __future__ import annotations

from typing import Any

from liplanet_cert.reporters.views.base import View


class BatchSummaryView(View[Any]):
    """A ``BatchSummary``: the summary on the console, its ``to_dict()`` (summary.json) as JSON."""

    def show(self, item: Any, console: Any) -> None:
        from liplanet_cert.reporters.safetable import print_text

        for text, style in discovery_lines(item):
            print_text(console, text, style)
        print_text(
            console,
            f"batch: {item.total} bundle{'s' if item.total != 1 else ''} · criteria {item.criteria['id']}@{item.criteria['version']}",
            "bold",
        )
        _counts(item, console)
        _timing(item, console)
        if item.changes:
            _changes(item, console)
        _notes(item, console)


SKIPPED_SHOWN = 10  # skipped folders listed by name in the summary (all are in summary.json)


def discovery_lines(summary: Any) -> list[tuple[str, str]]:
    """(text, style) lines saying what was searched and what was skipped: never silent."""
    from liplanet_cert.infra.textsafe import clean

    d = summary.discovery or {}
    if not d:
        return []
    n, zips, nodecl, skipped = (
        d.get("bundles", 0),
        d.get("zips", 0),
        d.get("no_declaration", []),
        d.get("skipped", []),
    )
    searched = d.get("folders_searched", 0)
    parts = [f"{n} bundle{'s' if n != 1 else ''}" + (f" ({zips} .zip)" if zips else "")]
    if nodecl:
        parts.append(f"{len(nodecl)} of them without a declaration (invalid)")
    parts.append(f"{len(skipped)} folder{'s' if len(skipped) != 1 else ''} skipped as not bundles")
    out = [
        (
            f"searched {searched} folder{'s' if searched != 1 else ''}: " + " · ".join(parts),
            "dim" if not (skipped or nodecl) else "bold",
        )
    ]
    if nodecl:
        shown = ", ".join(clean(x) for x in nodecl[:SKIPPED_SHOWN])
        more = (
            f" and {len(nodecl) - SKIPPED_SHOWN} more (in summary.csv)" if len(nodecl) > SKIPPED_SHOWN else ""
        )
        out.append(
            (f"folders with bundle files but no declaration (reported invalid): {shown}{more}", "magenta")
        )
    if skipped:
        shown = "; ".join(f"{clean(x['path'])} ({x['reason']})" for x in skipped[:SKIPPED_SHOWN])
        more = (
            f"; and {len(skipped) - SKIPPED_SHOWN} more (all in summary.json)"
            if len(skipped) > SKIPPED_SHOWN
            else ""
        )
        out.append((f"skipped: {shown}{more}", "yellow"))
    return out


def warn_skipped(summary: Any, stream: Any) -> None:
    """Without the summary table (--quiet, --format): still say what was skipped, on stderr."""
    from liplanet_cert.infra.textsafe import clean

    d = summary.discovery or {}
    skipped, nodecl = d.get("skipped", []), d.get("no_declaration", [])
    if nodecl:
        stream.write(
            f"warning: {len(nodecl)} folder(s) with bundle files but no declaration, reported invalid: "
            + ", ".join(clean(x) for x in nodecl[:SKIPPED_SHOWN])
            + (f" and {len(nodecl) - SKIPPED_SHOWN} more" if len(nodecl) > SKIPPED_SHOWN else "")
            + "\n"
        )
    if skipped:
        stream.write(
            f"warning: {len(skipped)} folder(s) skipped as not bundles (of {d.get('folders_searched', 0)} searched): "
            + "; ".join(f"{clean(x['path'])} ({x['reason']})" for x in skipped[:SKIPPED_SHOWN])
            + (
                f"; and {len(skipped) - SKIPPED_SHOWN} more (all in summary.json)"
                if len(skipped) > SKIPPED_SHOWN
                else ""
            )
            + "\n"
        )


def _counts(summary: Any, con: Any) -> None:
    from liplanet_cert.infra.textsafe import safe_text
    from liplanet_cert.reporters.safetable import NO_KEY, SafeTable, id_col

    c = summary.counts
    t = SafeTable(
        *(
            id_col(col, justify="right")
            for col in ("approved", "with observations", "not approved", "invalid", "error", "reused")
        ),
        key=NO_KEY,
    )
    t.add_row(
        safe_text(c["approved"], style="green"),
        safe_text(c["approved_with_observations"], style="yellow"),
        safe_text(c["not_approved"], style="red"),
        safe_text(c["invalid"], style="magenta"),
        str(c["error"]),
        str(summary.reused),
    )
    t.print(con)


def _timing(summary: Any, con: Any) -> None:
    from liplanet_cert.infra.textsafe import clean
    from liplanet_cert.reporters.safetable import print_text

    rate = summary.total / summary.seconds if summary.seconds else 0
    print_text(con, f"{summary.seconds:.1f} s, {rate:.1f} bundles/s", "dim")
    if summary.slowest:
        print_text(con, "slowest: " + ", ".join(f"{clean(b)} ({s:.2f} s)" for s, b in summary.slowest), "dim")


def _changes(summary: Any, con: Any) -> None:
    from liplanet_cert.infra.textsafe import clean
    from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col

    ch = summary.changes
    print_text(
        con,
        f"against previous run: {ch.get('lost_approval', 0)} lost approval · {ch.get('newly_approved', 0)} newly approved · "
        f"{ch.get('unchanged', 0)} unchanged · {ch.get('new', 0)} new · {summary.not_reassessed} not reassessed",
        "bold",
    )
    if summary.lost:
        lt = SafeTable(
            text_col("pilot line"),
            id_col("bundle"),
            id_col("was"),
            id_col("now"),
            words_col("criteria that changed the outcome"),
            title="lost approval",
            header_style="bold red",
            key=1,
        )
        for e in summary.lost[:50]:
            lt.add_row(
                clean(e["pilot_line"]),
                clean(e["bundle"]),
                str(e["previous_status"]),
                str(e["status"]),
                clean(", ".join(e["criteria"])),
            )
        lt.print(con)
        if ch.get("lost_approval", 0) > 50:
            print_text(
                con,
                f"(the first 50 of {ch.get('lost_approval', 0)}; all are in {summary.files.get('changes', 'changes.csv')})",
                "dim",
            )
    if summary.newly:
        print_text(
            con,
            "newly approved: " + ", ".join(clean(e["pilot_line"] or e["bundle"]) for e in summary.newly[:50]),
            "green",
        )


def _notes(summary: Any, con: Any) -> None:
    from liplanet_cert.reporters.safetable import print_text

    for w in summary.unmatched_waivers:
        print_text(
            con,
            f"waiver {w['id']} ({w['criterion']}, {w.get('pilot_line') or w.get('bundle')}) matched no failed finding in this batch",
            "yellow",
        )
    if summary.counts["invalid"] or summary.counts["error"]:
        print_text(con, f"invalid bundles and their messages: {summary.files['summary']}", "magenta")
    print_text(
        con,
        f"wrote {summary.files['results']}, {summary.files['summary']}"
        + (f", {summary.files['changes']}" if "changes" in summary.files else ""),
        "dim",
    )
    if summary.interrupted:
        print_text(
            con, "interrupted: finished results are kept; rerun the same command to finish the rest", "yellow"
        )
