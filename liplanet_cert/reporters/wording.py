"""What every report says alike about a result: which findings it explains, the order it lists them
in, the line of counts, the name it gives the bundle, and what a problem expected and found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from liplanet_cert.assessment.result import Finding, Result, Status

NOTED = (Status.FAIL, Status.ERROR, Status.WAIVED)  # did not pass: the report says why
_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2, Status.PASS: 3, Status.NOT_APPLICABLE: 4}


def display_order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings as a report lists them: failed, not evaluable, waived, passed, not applicable;
    required before advisory; then by id."""
    return sorted(findings, key=lambda f: (_ORDER[f.status], f.severity != "required", f.id))


def counts_line(c: Mapping[str, int]) -> str:
    """``3 passed · 1 failed · …`` from :attr:`Result.counts`."""
    return (
        f"{c['pass']} passed · {c['fail']} failed · {c['error']} not evaluable · {c['waived']} waived"
        f" · {c['not_applicable']} not applicable"
    )


def subject(result: Result) -> str:
    """The name a report gives an assessed bundle: its pilot line, else its path."""
    return result.pilot_line.get("name") or result.bundle.get("path", "")


def problem_details(problem: Mapping[str, str]) -> list[str]:
    """``expected …`` and ``found …`` of a located problem, those it has."""
    return [
        text
        for text in (
            f"expected {problem['expected']}" if problem.get("expected") else "",
            f"found {problem['found']}" if problem.get("found") else "",
        )
        if text
    ]
