"""Markdown escaping for the dossier: every value the Markdown template shows goes through
:func:`md_escape` (the environment's ``finalize``), so text from a bundle can inject neither HTML
nor Markdown structure.

Markdown is escaped the Markdown way, with backslashes (``\\|``, ``\\*``, ``\\<b>``), never with
HTML character references, which a reader of the raw ``.md`` would see verbatim.  A code span never
holds a ``|`` (which would end a table cell), and no content can close a code span or block early.
Text is cleaned first by :func:`liplanet_cert.infra.textsafe.clean`, the sanitiser of every report.
"""

from __future__ import annotations

import re
from typing import Any

from liplanet_cert.infra.textsafe import clean

__all__ = ["MdRaw", "md_block", "md_code", "md_escape"]


class MdRaw(str):
    """Markdown that the template builds on purpose (code spans, fences): not escaped again."""


# Characters that are Markdown wherever they stand (emphasis, code, links, tables, escapes).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# "<" only starts HTML (a tag, comment, declaration) or an autolink before a letter, "/", "!" or "?";
# "&" only starts a character reference before a name or "#" and a ";".
_MD_LT = re.compile(r"<(?=[A-Za-z/!?])")
_MD_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What makes a line a heading, list item, block quote, table rule or setext underline when it starts one.
_MD_LEADING = re.compile(r"^(\s*)([#>]|[-+*=](?=\s|$|[-=])|\d{1,9}(?=[.)](?:\s|$)))")
# What closes an ATX heading when it ends one (after a space).
_MD_TRAILING_HASHES = re.compile(r"(?<![\\#])#+$")


def md_escape(value: Any) -> str:
    """Neutralise HTML and Markdown in one value shown inline (also usable inside table cells).

    Markdown is escaped the Markdown way, with backslashes (``\\|``, ``\\*``, ``\\<b>``): never with
    HTML character references, which a reader of the raw ``.md`` would see verbatim.
    """
    if value is None:
        return ""
    if isinstance(value, MdRaw):
        return str(value)
    s = re.sub(r"\s*[\r\n]+\s*", " ", clean(value)).strip()  # trimmed: leading spaces could make a code block
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _MD_LT.sub(r"\\<", s)
    s = _MD_AMP.sub(r"\\&", s)
    m = _MD_LEADING.match(s)
    if m:
        if m.group(2).isdigit():  # "1. text" would start an ordered list: escape the "."
            end = m.end()
            s = s[:end] + "\\" + s[end:]
        else:
            s = s[: m.start(2)] + "\\" + s[m.start(2) :]
    t = _MD_TRAILING_HASHES.search(s)
    if t and s[t.start() - 1 : t.start()] in (
        " ",
        "\t",
    ):  # would close a heading: "### title ##" loses its "##"
        s = s[: t.start()] + "\\" + s[t.start() :]
    return s


def md_code(value: Any) -> MdRaw:
    """An inline code span that no content can break out of, also in a table cell (HTML inside it
    is shown as text); text with a ``|`` is escaped text instead (:func:`md_escape`).

    - the fence is one backtick longer than the longest run of backticks inside;
    - a GFM table splits its cells at every ``|`` not escaped, code spans included, and ``\\|``
      inside a code span shows its backslash outside a table: so no code span holds a pipe;
    - the text is cleaned (:func:`liplanet_cert.infra.textsafe.clean`), on one line.
    """
    s = clean("" if value is None else value, oneline=True)
    if not s:
        return MdRaw("")
    if "|" in s:
        return MdRaw(md_escape(s))
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    # a space either side keeps a backtick at the edge apart from the fence, and a space at the
    # edge as it is (a renderer strips one space from each side of a code span that has both)
    pad = " " if not s.isspace() and (s[0] in "` " or s[-1] in "` ") else ""
    return MdRaw(f"{fence}{pad}{s}{pad}{fence}")


def md_block(value: Any, lang: str = "") -> MdRaw:
    """A fenced code block that no content can close early (cleaned, keeping its lines)."""
    s = clean("" if value is None else value).rstrip("\n")
    longest = max((len(m) for m in re.findall(r"^\s*(`{3,}|~{3,})", s, flags=re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return MdRaw(f"{fence}{lang}\n{s}\n{fence}")
