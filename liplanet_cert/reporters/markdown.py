"""Markdown reporter: a verdict line and the findings as GitHub-flavoured tables (for PR comments,
CI job summaries and wikis).  Bundle text is escaped: no HTML, no table breakage."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from liplanet_cert.assessment.result import Result, Status, Unassessed, Verdict
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.base import Item, Reporter
from liplanet_cert.reporters.spool import copy_out, spooled
from liplanet_cert.reporters.wording import NOTED, counts_line, display_order

VERDICT_TEXT = {
    Verdict.APPROVED: "✅ LiPLANET approved",
    Verdict.APPROVED_WITH_OBSERVATIONS: "🟡 LiPLANET approved with observations",
    Verdict.NOT_APPROVED: "❌ not approved",
}


_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md(text: object) -> str:
    """Escape text for a Markdown table cell, heading or line (cleaned, on one line, trimmed):
    ``&amp;`` stays those five characters and a leading ``- `` or ``1. `` starts no list."""
    s = clean(text, oneline=True).strip().replace("\\", "\\\\")
    for ch in "|`*_[]<>#":
        s = s.replace(ch, "\\" + ch)
    m = re.match(r"[-+](?= |$)|\d{1,9}[.)](?= |$)", s)
    if m:  # "- x" or "1. x" at the start of a line would be a list item: escape its marker
        s = s[: m.end() - 1] + "\\" + s[m.end() - 1 :]
    return _ENTITY.sub(r"\\&", s)


class MarkdownReporter(Reporter):
    name = "markdown"
    suffix = ".md"

    def render(self, result: Result) -> str:
        return self._section(result, level=1)

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """The overview table, then one section per bundle.  Streamed: the overview rows go out as
        they come; the sections are spooled (to disk beyond 8 MB) and follow the table."""
        out.write(
            "# liplanet-cert batch report\n\n| bundle | pilot line | criteria | verdict | failed (required) | waived |\n|---|---|---|---|---|---|\n"
        )
        with spooled() as spool:
            sep = ""
            for r in items:
                if isinstance(r, Unassessed):
                    out.write(f"| {md(r.bundle)} | | | ⚠️ could not be assessed ({r.status}) | | |\n")
                    spool.write(sep + _unassessed_section(r, level=2, most=50))
                else:
                    c = r.counts
                    req = sum(
                        1
                        for f in r.findings
                        if f.severity == "required" and f.status in (Status.FAIL, Status.ERROR)
                    )
                    out.write(
                        f"| {md(r.bundle.get('path', ''))} | {md(r.pilot_line.get('name', ''))} | {md(r.criteria.id)}@{md(r.criteria.version)} | {VERDICT_TEXT[r.verdict]} | {req} | {c['waived']} |\n"
                    )
                    spool.write(sep + self._section(r, level=2))
                sep = "\n"
            out.write("\n")
            copy_out(spool, out)

    def render_unassessed(self, item: Unassessed) -> str:
        if item.status == "valid":
            return f"# {md(item.bundle)} — valid bundle (checked, not assessed)\n\n{md(item.message)}\n"
        return _unassessed_section(item, level=1)

    def _section(self, r: Result, level: int) -> str:
        h = "#" * level
        pl = r.pilot_line
        c = r.counts
        lines = [
            f"{h} {md(pl.get('name', ''))} — {'WHAT-IF: ' if r.what_if else ''}{VERDICT_TEXT[r.verdict]}",
            "",
            f"{md(pl.get('operator', ''))}, {md(pl.get('site', ''))} ({md(pl.get('country', ''))}) · period {md(r.reporting_period.get('start', ''))} .. {md(r.reporting_period.get('end', ''))} · "
            f"criteria {md(r.criteria.id)}@{md(r.criteria.version)} (sha256 `{r.criteria.sha256[:12]}`) · assessed on {r.assessed_on}"
            + (f" (run {r.run_on})" if r.run_on and r.run_on != r.assessed_on else ""),
            "",
            counts_line(c),
            "",
            "| criterion | severity | status | expected | actual | where |",
            "|---|---|---|---|---|---|",
        ]
        for f in display_order(r.findings):
            status = f.status.value.replace("_", " ").upper()
            lines.append(
                f"| {md(f.id)} | {f.severity} | {status} | {md(f.expected)} | {md(f.actual)} | {md(f.location)} |"
            )
        notes = [f for f in r.findings if f.status in NOTED]
        if notes:
            lines += ["", "**Why**", ""]
            for f in notes:
                lines.append(f"- **{md(f.id)}**: {md(f.message)}")
        for w in r.warnings:
            lines.append(f"- warning: {md(w)}")
        return "\n".join(lines) + "\n"


def _unassessed_section(u: Unassessed, level: int, most: int | None = None) -> str:
    """A bundle that could not be assessed: a heading, the message, its first ``most`` problems."""
    lines = [f"{'#' * level} {md(u.bundle)} — ⚠️ could not be assessed ({u.status})", "", md(u.message), ""]
    lines += [f"- {md(p)}" for p in u.problems[:most]]
    return "\n".join(lines) + "\n"
