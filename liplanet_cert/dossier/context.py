"""The view model of the dossier: every value the templates show, built once from a
:class:`~liplanet_cert.assessment.result.Result` and formatted for display.

The dossier reads nothing but the result (plus the shipped catalogues: KPI glossary, Figure 7
steps, metric catalogue).  Each section is built by its own module: findings (:mod:`.findings`),
KPIs (:mod:`.kpi_rows`), production (:mod:`.production`), footprint (:mod:`.footprint_view`); this
one adds the cover, the summary and the annex, and puts them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier import charts
from liplanet_cert.dossier.findings import findings_section
from liplanet_cert.dossier.footprint_view import footprint_view
from liplanet_cert.dossier.formatting import fmt_size, shorten
from liplanet_cert.dossier.identity import bundle_label, dossier_date, dossier_id, pack_citation
from liplanet_cert.dossier.kpi_rows import kpi_names, kpi_rows
from liplanet_cert.dossier.network_view import network_view
from liplanet_cert.dossier.production import daily_view, eol_view, step_views
from liplanet_cert.dossier.quality_view import quality_view
from liplanet_cert.dossier.templating import css_string
from liplanet_cert.infra.textsafe import clean

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import Result

__all__ = ["build_context"]

VERDICT_LABELS = {
    "approved": "Approved",
    "approved_with_observations": "Approved with observations",
    "not_approved": "Not approved",
}
VERDICT_SENTENCES = {
    "approved": "The pilot line meets every criterion of the pack and is awarded the LiPLANET approved seal.",
    "approved_with_observations": "The pilot line meets every required criterion and is awarded the LiPLANET "
    "approved seal; advisory criteria it does not meet are listed as observations.",
    "not_approved": "The pilot line does not meet at least one required criterion and is not awarded the "
    "LiPLANET approved seal.",
}
HEAD_NAME_CHARS = 60  # the pilot-line name in the running header: one line beside the pack reference
# The count tiles of the summary: status, and what the tile says below its number.
_TILES = [
    ("pass", "passed"),
    ("fail", "failed"),
    ("error", "not evaluable"),
    ("waived", "waived"),
    ("not_applicable", "not applicable"),
]
_CELL_FIELDS = ("format", "chemistry", "nominal_capacity", "nominal_voltage", "nominal_energy")


def load_glossary(kpi_names: Sequence[str]) -> list[dict[str, str]]:
    """The KPI glossary shipped with the templates: the result's KPIs first, then the other terms."""
    import yaml

    from liplanet_cert.infra.resources import data_dir

    path = data_dir("templates") / "glossary.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    terms = data.get("terms", data) if isinstance(data, dict) else {}
    out = []
    seen = set()
    for name in list(kpi_names) + [k for k in terms if k not in kpi_names]:
        t = terms.get(name)
        if not isinstance(t, dict) or name in seen:
            continue
        seen.add(name)
        out.append(
            {
                "name": name,
                "title": str(t.get("title", name)),
                "definition": str(t.get("definition", "")),
                "unit": str(t.get("unit", "")),
                "source": str(t.get("source", "")),
            }
        )
    return out


def _tiles(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The count tiles of the summary.  A zero is neutral: only a count above zero is coloured."""
    out = []
    for key, label in _TILES:
        value = int(counts.get(key, 0) or 0)
        out.append({"key": key, "value": value, "label": label, "cls": key if value else "zero"})
    return out


def _headline(verdict: str, required_bad: int, observations: int) -> str:
    """The one sentence under the verdict: what the seal depends on, counted."""
    if verdict == "not_approved":
        return (
            f"{required_bad} required criteri{'on is' if required_bad == 1 else 'a are'} not met: "
            "the LiPLANET approved seal is not awarded."
        )
    if verdict == "approved_with_observations":
        return (
            f"Every required criterion is met; {observations} observation{'' if observations == 1 else 's'} "
            "(advisory criteria not met or waived) to follow up, listed in section 4."
        )
    return VERDICT_SENTENCES.get(verdict, "")


def _page_css(verdict_label: str, name: str, pack_ref: str, footer: str) -> dict[str, str]:
    """The running header and footer of the printed pages, as CSS string literals.

    The verdict leads the header and is never shortened: only the name is (ellipsis), so a long
    pilot-line name cannot push the verdict out of the margin box on any page.
    """
    head_name = shorten(name or "Pilot line", HEAD_NAME_CHARS)
    head_left = " · ".join(x for x in (verdict_label.upper(), head_name) if x)
    return {
        "top_left": css_string(head_left),
        "top_right": css_string(pack_ref, 40),
        "bottom_left": css_string(footer, 60),
    }


def _cover(result: Result, ident: str, verdict: str, pack: dict[str, str]) -> dict[str, Any]:
    """Who, what and when: the line, the period, the cell, the pack, the tool, the bundle, the date."""
    date, date_source = dossier_date(result)
    assessed_on = str(result.assessed_on)
    pilot_line = {
        k: str((result.pilot_line or {}).get(k, "") or "") for k in ("name", "operator", "site", "country")
    }
    tool = {
        "name": (result.tool or {}).get("name", "liplanet-cert"),
        "version": (result.tool or {}).get("version", ""),
    }
    verdict_label = VERDICT_LABELS.get(verdict, verdict)
    if result.what_if:
        verdict_label = f"What-if: {verdict_label}"
    footer = f"{ident} · {tool['name']} {tool['version']}".strip()
    cell = result.cell or {}
    return {
        "dossier_id": ident,
        "date": date,
        "date_source": date_source,
        "date_differs": date != assessed_on,
        "verdict": verdict,
        "verdict_label": verdict_label,
        "verdict_sentence": VERDICT_SENTENCES.get(verdict, ""),
        "pilot_line": pilot_line,
        "period": {
            "start": (result.reporting_period or {}).get("start", ""),
            "end": (result.reporting_period or {}).get("end", ""),
        },
        "cell": [
            (k.replace("_", " ").capitalize(), cell.get(k, ""))
            for k in _CELL_FIELDS
            if cell.get(k, "") not in ("", None)
        ],
        "criteria": {
            "id": result.criteria.id,
            "version": result.criteria.version,
            "sha256": result.criteria.sha256,
            "title": result.criteria.title,
            "ref": pack["ref"],
            "show": pack["show"],
        },
        "tool": tool,
        "bundle": {
            "label": bundle_label(result),
            "format_version": (result.bundle or {}).get("format_version", ""),
        },
        "assessed_on": assessed_on,
        "run_on": str(result.run_on or ""),
        "what_if": result.what_if or "",
        "page_css": _page_css(verdict_label, pilot_line["name"], pack["ref"], footer),
    }


def _summary(verdict: str, counts: dict[str, int], section: dict[str, Any], html: bool) -> dict[str, Any]:
    """The verdict in a sentence, the seal and the count tiles."""
    return {
        "verdict_headline": _headline(verdict, section["required_bad"], section["observations"]),
        "seal_awarded": verdict in ("approved", "approved_with_observations"),
        "seal": charts.seal_badge(verdict) if html else "",
        "counts": counts,
        "tiles": _tiles(counts),
    }


def build_context(
    result: Result, *, command: str, html: bool = True, network: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every value the templates show, computed once and formatted for display.

    Every text of the result (bundle, criteria pack, waivers) and the command line are cleaned
    first with :func:`liplanet_cert.infra.textsafe.clean`, the sanitiser of every report: no escape
    sequence, control or bidirectional-control character reaches the HTML, its SVG charts or the
    Markdown.  The dossier id is still the hash of the result as it is.

    With ``html=True`` the chart entries hold SVG strings (escaped inside); Markdown does not
    need them.  ``network``: where the line stands in a batch run (``--network``, plain data; the
    section "Where this line stands" appears only with it).
    """
    from liplanet_cert.dossier.labels import labeller, step_titles
    from liplanet_cert.infra.textsafe import clean_tree

    ident = dossier_id(result)
    result = clean_tree(result)
    titles = step_titles()
    verdict = str(getattr(result.verdict, "value", result.verdict))
    glossary = load_glossary(kpi_names(result.kpis))
    kpi_titles = {g["name"]: g["title"] for g in glossary}
    lab = labeller(kpi_titles)
    section = findings_section(result.findings, lab)
    steps = step_views(result, titles)
    kpis = kpi_rows(result, kpi_titles, html=html)
    throughput = next((k for k in kpis if k["name"] == "cell_throughput"), None)
    return {
        **_cover(result, ident, verdict, pack_citation(result)),
        **_summary(verdict, result.counts, section, html),
        **section,
        "steps": steps,
        "step_chart": charts.step_scrap_chart([(s["title"], s["scrap_rate"], s["limit"]) for s in steps])
        if html
        else "",
        "kpis": kpis,
        "daily": daily_view(result, throughput, html=html),
        "eol": eol_view(result, html=html),
        "footprint": footprint_view(result.footprint, titles, html),
        "inputs": [
            {"path": i.path, "sha256": i.sha256, "size": i.size, "size_text": fmt_size(i.size)}
            for i in result.inputs
        ],
        "glossary": glossary,
        "warnings": [lab.words(w) for w in (result.warnings or [])],
        "quality": quality_view(list(result.quality or []), titles, html),
        "command": clean(command),
        "network": network_view(clean_tree(network), html) if network else None,
    }
