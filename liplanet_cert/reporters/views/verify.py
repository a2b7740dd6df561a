"""Console view of ``verify``: the signature check, then whether the result matches its bundle and
criteria, every difference, and the notes (tool versions)."""

from __future__ import annotations

from typing import Any

from liplanet_cert.infra.textsafe import say
from liplanet_cert.integrity.verify import VerifyReport
from liplanet_cert.reporters.views.base import View


class VerifyView(View[VerifyReport]):
    """``verify``: does a stored result still belong to its bundle and criteria."""

    def show(self, item: VerifyReport, console: Any) -> None:
        if item.signature == "valid":
            say(console, "✓ signature valid", style="green")
        elif item.signature == "invalid":
            say(
                console,
                "✗ signature does NOT verify: the result was changed after signing, or signed with another key",
                style="bold red",
            )
        if item.differences:
            n = len(item.differences)
            say(
                console,
                f"✗ the result does not match ({n} difference{'s' if n != 1 else ''}):",
                style="bold red",
            )
            for d in item.differences:
                say(console, "  • ", d)
        elif item.signature != "invalid":
            say(
                console,
                f"✓ the result matches the bundle and criteria (verdict {item.recomputed_verdict})",
                style="green",
            )
        for n in item.notes:
            say(console, "  note: ", n, style="dim")
