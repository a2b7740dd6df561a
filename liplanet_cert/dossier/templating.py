"""The Jinja2 environments of the dossier templates, their filters, and the escaping of values.

HTML is rendered with autoescaping on, every shown text cleaned again by
:func:`liplanet_cert.infra.textsafe.clean` (``finalize``); SVG charts (built and escaped by
:mod:`.charts`) are marked safe, and the running-header strings are CSS string literals escaped by
:func:`css_string`.  The Markdown environment escapes every expression with :func:`.markdown.md_escape`.

Jinja2 and MarkupSafe are imported only when an environment is built (or a value marked).
"""

from __future__ import annotations

import re
from typing import Any

from liplanet_cert.dossier.findings import STATUS_LABELS
from liplanet_cert.dossier.formatting import fmt_percent, fmt_value, number, shorten

__all__ = ["css_string", "environment", "mark_safe", "wbr"]

CHART_KEYS = ("chart", "seal", "step_chart", "histogram_svg", "control_svg")  # context entries that hold SVG
_BREAK_AFTER = re.compile(r"(?<=[/#])(?=[^/#\s])")  # never after a "." (inside a file name)


def css_string(text: str, limit: int = 90) -> str:
    """``text`` as a CSS string literal that nothing can break out of (for ``@page`` margin boxes).

    Every character but ASCII letters, digits, space and a few punctuation marks is written as a
    six-digit CSS escape, so quotes, backslashes and ``</style>`` cannot end the string or the
    style element.  Long text is shortened with an ellipsis: a margin box holds one line.
    """
    text = shorten(re.sub(r"[\x00-\x1f\x7f]+", " ", str(text)), limit)
    out = []
    for ch in text:
        if (ch.isascii() and ch.isalnum()) or ch in " -_.,:@()+=":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape (CSS consumes it)
    return '"' + "".join(out) + '"'


def wbr(value: Any, limit: int = 30) -> Any:
    """An identifier, path or pointer, HTML-escaped, that may wrap only after ``/`` or ``#``.

    Text longer than ``limit`` characters (``declaration.yaml#/steps/4/automation``) gets a
    ``<wbr>`` after each separator; shorter text stays one unbroken token.  The CSS of the dossier
    forbids breaking inside a token, so a line never ends in ``coating_and_d``.
    """
    from markupsafe import Markup, escape

    text = "" if value is None else str(value)
    if len(text) <= limit:
        return escape(text)
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(text))


def _num(x: Any, digits: int | None = None) -> str:
    """Template filter ``num``: a number (or a quantity text) as the dossier writes numbers."""
    return fmt_value(number(x), digits)


def _html_finalize(value: Any) -> Any:
    """Every text an HTML expression shows is cleaned (the context already is: this keeps it so for
    values a template computes); autoescaping follows.  Markup (SVG built by :mod:`.charts`) is kept."""
    from markupsafe import Markup

    from liplanet_cert.infra.textsafe import clean

    return clean(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def environment(*, markdown: bool) -> Any:
    """The Jinja2 environment of the HTML (autoescaping) or the Markdown (``md_escape``) template."""
    import jinja2

    from liplanet_cert.dossier.markdown import MdRaw, md_block, md_code, md_escape
    from liplanet_cert.infra.resources import data_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        finalize=md_escape if markdown else _html_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    if markdown:
        env.filters.update(code=md_code, block=md_block, raw_md=MdRaw)
    else:
        env.filters["wbr"] = wbr
    env.filters.update(num=_num, pct=fmt_percent)
    env.globals.update(status_labels=STATUS_LABELS)
    return env


def mark_safe(ctx: dict[str, Any]) -> dict[str, Any]:
    """The HTML context with its chart SVG (built and escaped by :mod:`.charts`) and its running-header
    CSS strings (escaped by :func:`css_string`) marked safe for autoescaping."""
    from markupsafe import Markup

    def mark(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {
                k: (Markup(v) if k in CHART_KEYS and isinstance(v, str) else mark(v)) for k, v in obj.items()
            }
        if isinstance(obj, list):
            return [mark(v) for v in obj]
        return obj

    out = mark(ctx)
    out["page_css"] = {k: Markup(v) for k, v in ctx["page_css"].items()}
    return out
