"""The one sanitiser for text from a bundle, a criteria pack or a waiver file (pilot-line names,
file names, criterion titles, justifications, problems' found values, paths) on its way to a
terminal or a report.

Such text is data.  Whatever reaches a terminal or a report file is passed through :func:`clean`,
which removes what a terminal, an editor or a browser would act on instead of showing:

- escape sequences, whole: CSI (``ESC [ … final``, and the 8-bit ``\\x9b …``), and the string
  commands OSC/DCS/SOS/PM/APC (``ESC ] 0 ; title BEL`` sets a window title, ``ESC ] 8 ;;`` makes a
  hyperlink) up to their terminator (BEL, ``ESC \\`` or ``\\x9c``); other ``ESC x`` sequences;
- every remaining control character: C0 but tab and newline (``\\r`` too: it rewrites the line),
  DEL and the C1 block ``\\x80``–``\\x9f``;
- the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
  reorder what a reader sees ("Trojan Source");
- U+2028 and U+2029 (line and paragraph separators) become a space; a lone surrogate (not
  encodable as UTF-8) becomes U+FFFD.

Newlines and tabs are kept (a problem's message may have structure); ``oneline=True`` turns them
into spaces for labels.  Rich markup is never an issue when text is printed as a rich ``Text``
(:func:`safe_text`, :func:`say`): the CLI and the reporters print bundle text only that way.
Machine formats keep the data exact instead: JSON writes the same characters as ``\\uXXXX``
escapes (:func:`json_escape`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# What must never be written raw (after the escape sequences are taken out whole).
UNSAFE_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but \t and \n), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates
)
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_SEQUENCE = re.compile(
    "(?:\x1b\\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: parameters, intermediates, final byte
    "|(?:\x1b[\\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)"  # OSC, DCS, SOS, PM, APC strings
    "|\x1b[ -/]*[0-~]"  # any other escape sequence (ESC c, ESC 7, ESC ( B ...)
)
_REPLACE = {"\u2028": " ", "\u2029": " "}
_SPACES = re.compile(r"[\t\n]")


def _replacement(m: re.Match[str]) -> str:
    ch = m.group(0)
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"
    return _REPLACE.get(ch, "")


def clean(text: object, *, oneline: bool = False) -> str:
    """``text`` without terminal escape sequences, control characters and bidirectional controls
    (keeps newlines and tabs; ``oneline``: they become spaces)."""
    s = "" if text is None else str(text)
    if _UNSAFE.search(s):
        s = _UNSAFE.sub(_replacement, _SEQUENCE.sub("", s))
    return _SPACES.sub(" ", s) if oneline else s


def is_clean(text: str) -> bool:
    """True when ``text`` holds nothing :func:`clean` would remove (for tests and assertions)."""
    return _UNSAFE.search(text) is None


def clean_tree(obj: Any) -> Any:
    """A copy of ``obj`` with :func:`clean` applied to every string in it: dicts (keys too), lists,
    tuples and dataclass instances (a :class:`~liplanet_cert.assessment.result.Result`); enums and numbers
    stay as they are."""
    import dataclasses
    from enum import Enum

    if isinstance(obj, Enum):
        return obj
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, dict):
        return {clean_tree(k): clean_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean_tree(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(clean_tree(v) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: clean_tree(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj


def json_escape(text: str) -> str:
    """JSON text with every unsafe character written as a ``\\uXXXX`` escape (``json.dumps`` does
    that only below U+0020): the document stays exact, and none of them is written raw.  The
    characters only occur inside JSON strings, so the escape is always valid there."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def safe_text(*parts: object, style: str | None = None, oneline: bool = False, **kw: Any) -> Any:
    """A rich ``Text`` of the cleaned parts, shown literally: ``[bold]`` or ``[link=…]`` in bundle
    text is never markup.  Every message the CLI and the reporters print is built with this."""
    from rich.text import Text

    return Text(
        clean("".join("" if p is None else str(p) for p in parts), oneline=oneline), style=style or "", **kw
    )


def say(console: Any, *parts: object, style: str | None = None, **print_kw: Any) -> None:
    """Print the cleaned parts on a rich console as literal text (see :func:`safe_text`).  The
    line is not hard-wrapped by rich (``soft_wrap``): the terminal folds it, so a path, an id or a
    hash is never cut into pieces in a log or a copy."""
    print_kw.setdefault("soft_wrap", True)
    console.print(safe_text(*parts, style=style), **print_kw)


def markup(text: object) -> str:
    """Clean, then escape rich markup: for the rare place that needs a markup string (prefer
    :func:`safe_text`)."""
    from rich.markup import escape

    return escape(clean(text))


def did_you_mean(word: str, known: Iterable[str], cutoff: float = 0.75) -> str:
    """`` (did you mean x?)`` for the name of ``known`` closest to a misspelt ``word`` (letter case
    ignored), or "" when none is close: one rule for steps, KPIs, units, metrics and criterion ids."""
    import difflib

    names = list(known)
    folded = [n.casefold() for n in names]
    close = difflib.get_close_matches(str(word).casefold(), folded, n=1, cutoff=cutoff)
    return f" (did you mean {names[folded.index(close[0])]}?)" if close else ""
