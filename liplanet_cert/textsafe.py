"""Make untrusted text safe for the terminal: strip control and escape sequences, escape rich markup."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """Remove terminal escape sequences and control characters (keeps newlines and tabs)."""
    return _CONTROL.sub("", str(text))


def markup(text: object) -> str:
    """Clean, then escape rich markup so bundle text is shown, never interpreted."""
    from rich.markup import escape

    return escape(clean(text))
