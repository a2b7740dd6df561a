"""Render a :class:`~liplanet_cert.assessment.result.Result` as an audit dossier (HTML and Markdown)
and write it.

:func:`.context.build_context` turns the result into plain, display-ready values; the Jinja2
templates in ``templates/`` lay them out for screen and for A4 print (running header and "page x of
y" in ``@page`` margin boxes), through the environments of :mod:`.templating`.  Both outputs show
text cleaned by :func:`liplanet_cert.infra.textsafe.clean`, the sanitiser of every report.  Output
is deterministic (:mod:`.identity`): the same result gives byte-identical files, named by the
dossier id, written all or nothing.

Jinja2 and PyYAML are imported inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier.context import build_context
from liplanet_cert.dossier.identity import dossier_id
from liplanet_cert.infra.atomic import check_directory, write_all

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import Result

__all__ = ["FORMATS", "render_html", "render_markdown", "write_dossier"]

FORMATS = {"html": ".html", "md": ".md"}


def render_html(result: Result, *, command: str, network: dict[str, Any] | None = None) -> str:
    """The dossier as one self-contained HTML document (inline CSS and SVG, no scripts)."""
    from liplanet_cert.dossier.nobreak import glue
    from liplanet_cert.dossier.templating import environment, mark_safe

    env = environment(markdown=False)
    ctx = mark_safe(build_context(result, command=command, html=True, network=network))
    return glue(env.get_template("dossier.html.j2").render(**ctx))


def render_markdown(result: Result, *, command: str, network: dict[str, Any] | None = None) -> str:
    """The dossier as Markdown (every value from the bundle escaped)."""
    from liplanet_cert.dossier.templating import environment

    env = environment(markdown=True)
    ctx = build_context(result, command=command, html=False, network=network)
    return env.get_template("dossier.md.j2").render(**ctx)


_RENDERERS = {"html": render_html, "md": render_markdown}


def _formats(formats: Sequence[str]) -> list[str]:
    """The formats asked for, each once (``markdown`` is ``md``); an unknown one is a usage error."""
    from liplanet_cert.errors import UsageError

    wanted = []
    for fmt in formats:
        key = str(fmt).strip().lower()
        if key == "markdown":
            key = "md"
        if key not in FORMATS:
            raise UsageError(
                f"unknown dossier format {fmt!r} (expected one of: {', '.join(FORMATS)})", file="--format"
            )
        if key not in wanted:
            wanted.append(key)
    if not wanted:
        raise UsageError("no dossier format given (expected html and/or md)", file="--format")
    return wanted


def write_dossier(
    result: Result,
    out_dir: Path,
    formats: Sequence[str] = ("html", "md"),
    *,
    command: str,
    network: dict[str, Any] | None = None,
) -> list[Path]:
    """Render the dossier in every format and write ``<dossier-id>.<ext>`` files atomically.

    Everything is rendered before anything is written, then the files are written all or nothing
    (:func:`liplanet_cert.infra.atomic.write_all`): an existing dossier stays as it was on any error.
    """
    wanted = _formats(formats)
    ident = dossier_id(result)
    extra = {"network": network} if network is not None else {}
    rendered = {key: _RENDERERS[key](result, command=command, **extra).encode("utf-8") for key in wanted}

    out_dir = Path(out_dir)
    check_directory(out_dir)  # a file, or a folder below a file: exit 2 naming it, nothing written
    return write_all([(out_dir / f"{ident}{FORMATS[key]}", data) for key, data in rendered.items()])
