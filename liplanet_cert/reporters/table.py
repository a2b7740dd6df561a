"""Terminal reporter: a rich table of findings and a verdict banner."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, TextIO

from liplanet_cert.assessment.result import Result, Status, Unassessed, Verdict
from liplanet_cert.infra.textsafe import clean, safe_text
from liplanet_cert.reporters.base import Item, Reporter
from liplanet_cert.reporters.wording import NOTED, counts_line, display_order

STATUS_STYLE = {
    Status.PASS: ("PASS", "green"),
    Status.FAIL: ("FAIL", "bold red"),
    Status.NOT_APPLICABLE: ("N/A", "dim"),
    Status.ERROR: ("ERROR", "bold magenta"),
    Status.WAIVED: ("WAIVED", "yellow"),
}
VERDICT_STYLE = {
    Verdict.APPROVED: ("LiPLANET APPROVED", "bold white on green"),
    Verdict.APPROVED_WITH_OBSERVATIONS: ("LiPLANET APPROVED WITH OBSERVATIONS", "bold black on yellow"),
    Verdict.NOT_APPROVED: ("NOT APPROVED", "bold white on red"),
}


class TableReporter(Reporter):
    name = "table"
    suffix = ".txt"
    terminal = True

    def print_result(self, result: Result) -> None:
        from rich.console import Console

        self.show(result, Console(highlight=False))

    def print_unassessed(self, item: Unassessed) -> None:
        pass

    def render(self, result: Result) -> str:
        from rich.console import Console

        buf = io.StringIO()
        self.show(result, Console(file=buf, width=140, force_terminal=False, color_system=None))
        return buf.getvalue()

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        sep = ""
        for r in items:
            if isinstance(r, Unassessed):
                out.write(
                    sep + f"{clean(r.bundle)}: could not be assessed ({r.status}): {clean(r.message)}\n"
                )
            else:
                out.write(sep + self.render(r))
            sep = "\n"

    def show(self, result: Result, console: object) -> None:
        """Every text from the bundle, the criteria pack or the waivers goes through :func:`safe_text`
        (cleaned, shown literally) or a :class:`SafeTable` cell (the same)."""
        from rich.panel import Panel
        from rich.text import Text

        from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col, words_col

        pl = result.pilot_line
        head = Text()
        head.append(safe_text(pl.get("name", ""), style="bold", oneline=True))
        head.append(
            safe_text(
                f"  {pl.get('operator', '')}, {pl.get('site', '')} ({pl.get('country', '')})", oneline=True
            )
        )
        head.append("\n")
        head.append(
            safe_text(
                f"period {result.reporting_period['start']} .. {result.reporting_period['end']}   "
                f"criteria {result.criteria.id}@{result.criteria.version} (sha256 {result.criteria.sha256[:12]})   assessed on {result.assessed_on}"
                + (f" (run {result.run_on})" if result.run_on and result.run_on != result.assessed_on else "")
            )
        )
        console.print(head)  # type: ignore[attr-defined]

        # criterion title and location are left out when the console is too narrow for them
        table = SafeTable(
            id_col("id"),
            id_col("status"),
            text_col("criterion", optional=True),
            text_col("expected"),
            text_col("actual"),
            words_col("where", optional=True),
            expand=True,
        )
        for f in display_order(result.findings):
            label, style = STATUS_STYLE[f.status]
            if f.severity != "required":
                label += "*"
            table.add_row(
                safe_text(f.id),
                safe_text(label, style=style),
                safe_text(f.title),
                safe_text(_short(f.expected, f.metric)),
                safe_text(f.actual),
                safe_text(f.location, style="dim"),
            )
        table.print(console)
        console.print(safe_text("* advisory criterion: does not block the seal", style="dim"))  # type: ignore[attr-defined]
        for f in result.findings:
            if f.status in NOTED:
                console.print(
                    safe_text(
                        f"• {f.id}: {f.message}\n  where: {f.location}",
                        style="red" if f.severity == "required" and f.status != Status.WAIVED else "yellow",
                    )
                )  # type: ignore[attr-defined]
        if result.footprint is not None:
            fp = result.footprint
            console.print(safe_text(footprint_line(fp)))  # type: ignore[attr-defined]
        for w in result.warnings:
            console.print(safe_text(f"warning: {w}", style="yellow"))  # type: ignore[attr-defined]
        c = result.counts
        label, style = VERDICT_STYLE[result.verdict]
        if result.what_if:
            label, style = f"WHAT-IF: {label}", "bold black on magenta"
        summary = f"{label}\n{counts_line(c)}"
        console.print(Panel(safe_text(summary, justify="center"), style=style))  # type: ignore[attr-defined]


def _short(expected: str, metric: str) -> str:
    """Drop the metric name from 'metric op value' for the terminal (the id names the criterion)."""
    text = clean(expected)
    for m in metric.split(" | "):
        text = text.replace(m + " ", "")
    return text


def footprint_line(fp: Any) -> str:
    """One line: the footprint, its boundary and its stages (a stage not computed says why)."""
    total = f"{fp.total_per_kwh:.1f} kg CO2e per kWh of cell capacity ({fp.total_per_cell:.3f} kg per cell)"
    stages = getattr(fp, "stages", ())
    if not stages:
        return f"Footprint (production): {total}"
    parts = [
        f"{s.name.replace('_', ' ')} not computed ({s.not_computed})"
        if s.not_computed
        else f"{s.name.replace('_', ' ')} {s.kg_co2e_per_kwh:.1f}"
        for s in stages
    ]
    boundary = "production only" if any(s.not_computed for s in stages) else "cradle-to-gate"
    return f"Footprint ({boundary}): {total}: " + "; ".join(parts)
