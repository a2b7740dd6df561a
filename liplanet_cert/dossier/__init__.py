"""The audit dossier: a self-contained HTML (and Markdown) report of one assessment.

Usage::

    from liplanet_cert.dossier import write_dossier
    paths = write_dossier(result, Path("out"), ("html", "md"), command="liplanet-cert dossier --example -o out")

Modules: :mod:`.render` (render and write), :mod:`.context` (the view model of a result, built from
:mod:`.findings`, :mod:`.kpi_rows`, :mod:`.production`, :mod:`.footprint_view` and :mod:`.identity`),
:mod:`.templating` (Jinja2 environments, filters, escaping; :mod:`.markdown`, :mod:`.nobreak`),
:mod:`.charts` (SVG), :mod:`.labels` (wording), :mod:`.formatting` (numbers), :mod:`.sample`.

Importing this package is cheap: Jinja2 and PyYAML are imported only when a dossier is rendered.
"""

from __future__ import annotations

from liplanet_cert.dossier.context import build_context
from liplanet_cert.dossier.identity import dossier_date, dossier_id
from liplanet_cert.dossier.render import FORMATS, render_html, render_markdown, write_dossier

__all__ = [
    "FORMATS",
    "build_context",
    "dossier_date",
    "dossier_id",
    "render_html",
    "render_markdown",
    "write_dossier",
]
