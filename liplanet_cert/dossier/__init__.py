"""The audit dossier: a self-contained HTML (and Markdown) report of one assessment.

Usage::

    from liplanet_cert.dossier import write_dossier
    paths = write_dossier(result, Path("out"), ("html", "md"), command="liplanet-cert dossier --example -o out")

Importing this package is cheap: Jinja2 and PyYAML are imported only when a dossier is rendered.
"""

from __future__ import annotations

from liplanet_cert.dossier.render import (
    FORMATS,
    build_context,
    dossier_date,
    dossier_id,
    render_html,
    render_markdown,
    write_dossier,
)

__all__ = [
    "FORMATS",
    "build_context",
    "dossier_date",
    "dossier_id",
    "render_html",
    "render_markdown",
    "write_dossier",
]
