"""The audit dossier: content, validity, escaping, determinism and atomic writing."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import html5lib
import pytest

from liplanet_cert.assessment.result import Finding, Measured, Result, Status, Verdict
from liplanet_cert.dossier import (
    build_context,
    charts,
    dossier_id,
    render_html,
    render_markdown,
    write_dossier,
)
from liplanet_cert.dossier.findings import compress_lots, top_findings
from liplanet_cert.dossier.kpi_rows import kpi_limit
from liplanet_cert.dossier.markdown import md_escape
from liplanet_cert.dossier.sample import sample_result
from liplanet_cert.errors import UsageError
from liplanet_cert.infra.resources import data_dir, example_bundle

CMD = "liplanet-cert dossier --example -o out"
XSS = "<script>alert(1)</script>"
SVG_RE = re.compile(r"<svg\b.*?</svg>", re.S)


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bw")


@pytest.fixture(scope="module")
def approved(bw_dir: Path):
    from liplanet_cert.assessment.core import assess

    return assess(example_bundle("approved"), bw_dir=bw_dir)


@pytest.fixture(scope="module")
def not_approved(bw_dir: Path):
    from liplanet_cert.assessment.core import assess

    return assess(example_bundle("not-approved"), bw_dir=bw_dir)


@pytest.fixture()
def sample():
    """A result with a footprint carrying uncertainty and a scenario (and a waiver)."""
    return sample_result()


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _hostile(result):
    """The same result with bundle text that tries to inject HTML and Markdown everywhere."""
    r = copy.deepcopy(result)
    r.pilot_line = dict(
        r.pilot_line,
        name=XSS,
        operator="Evil | Corp **bold** [link](javascript:x)",
        site="<img src=x onerror=alert(2)>",
    )
    f0 = r.findings[0]
    r.findings[0] = replace(
        f0,
        status=Status.FAIL,
        message=f"bad {XSS}",
        actual="<b>4</b>",
        lots=["<L1>", "L2"],
        location="x.csv`rows`<i>",
    )
    r.steps[0] = replace(r.steps[0], step="<svg onload=alert(3)>")
    r.warnings = [XSS]
    return r


def _texts(document) -> str:
    return "".join(document.itertext())


# --------------------------------------------------------------------------------------------
# validity and self-containment
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["sample", "approved", "not_approved"])
def test_html_is_valid_html5_and_svg_is_wellformed_xml(which, request):
    result = request.getfixturevalue(which)
    html = render_html(result, command=CMD)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)  # raises on any parse error
    svgs = SVG_RE.findall(html)
    # seal (approved verdicts only) + one bullet per KPI + step scrap + daily output + capacity histogram
    seal = 0 if result.verdict is Verdict.NOT_APPROVED else 1
    assert len(svgs) >= seal + len(result.kpis) + 3
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "svg"
        assert root.find("title") is not None  # accessible name


@pytest.mark.parametrize("which", ["sample", "approved"])
def test_html_has_no_scripts_and_no_external_references(which, request):
    html = render_html(request.getfixturevalue(which), command=CMD)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "<iframe" not in html.lower() and "@import" not in html
    for m in re.finditer(r"\b(?:src|href|xlink:href|action|poster)\s*=\s*[\"']?([^\"'\s>]*)", html, re.I):
        assert m.group(1).startswith("#"), m.group(0)  # only in-page anchors
    assert not re.search(r"url\s*\(", html, re.I)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", html, re.I)


def _outside_code(md: str) -> str:
    """The Markdown without fenced blocks and code spans (where "<" and "&" are literal anyway)."""
    md = re.sub(r"^(`{3,})[^\n]*\n.*?^\1\s*$", "", md, flags=re.S | re.M)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", md)


def test_markdown_has_no_raw_html(sample):
    md = render_markdown(sample, command=CMD)
    assert not re.search(r"(?<!\\)<[a-zA-Z/!?]", _outside_code(md))


# --------------------------------------------------------------------------------------------
# escaping
# --------------------------------------------------------------------------------------------


def test_bundle_text_is_escaped_in_html(sample):
    html = render_html(_hostile(sample), command=CMD + " --note " + XSS)
    assert XSS not in html
    assert "<img src=x" not in html and "<svg onload" not in html and "<b>4</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    assert doc.findall(".//script") == [] and doc.findall(".//img") == [] and doc.findall(".//b") == []
    # the name shows as text: on the cover, in the title and in the footer
    assert XSS in _texts(doc.find(".//h1"))
    assert XSS in doc.find(".//title").text
    assert _texts(doc).count(XSS) >= 4  # cover, title, footer, warning, command
    for svg in SVG_RE.findall(html):
        ET.fromstring(svg)  # step name inside chart text stays well-formed


def test_bundle_text_is_neutralised_in_markdown(sample):
    md = render_markdown(_hostile(sample), command=CMD)
    # escaped the Markdown way (a backslash before "<"), never with HTML character references
    assert "\\<script>alert(1)\\</script>" in md and "&lt;" not in md
    assert not re.search(r"(?<!\\)<(?:script|img|svg|b\b)", _outside_code(md))
    # Markdown structure from the bundle is escaped: no table cell split, no bold, no link
    assert "Evil \\| Corp \\*\\*bold\\*\\* \\[link\\](javascript:x)" in md
    # a code span that contains backticks cannot be closed early
    assert "``x.csv`rows`<i>``" in md


def test_markdown_renders_bundle_text_as_text():
    """A CommonMark renderer turns the escaped Markdown back into the bundle's text, with no element
    from the bundle (the proof that backslash escaping neutralises HTML and Markdown)."""
    markdown_it = pytest.importorskip("markdown_it")
    md = render_markdown(_hostile(sample_result()), command=CMD)
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    for tag in ("script", "img", "svg", "b", "i", "a"):
        assert doc.findall(f".//{tag}") == [], tag
    text = _texts(doc)
    assert XSS in text and "<img src=x onerror=alert(2)>" in text
    assert "Evil | Corp **bold** [link](javascript:x)" in text


def test_md_escape_and_inline_values():
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("<b>") == "\\<b>"
    assert md_escape("< 10 %") == "< 10 %"  # not a tag: left alone, never "&lt; 10"
    assert md_escape("A & B &amp;") == "A & B \\&amp;"  # only what would be read as an entity
    assert md_escape("1. first") == "1\\. first" and md_escape("- item") == "\\- item"
    assert md_escape("# title") == "\\# title" and md_escape("2.5 m") == "2.5 m"
    assert md_escape("line\nbreak") == "line break"
    assert md_escape(None) == ""


# --------------------------------------------------------------------------------------------
# determinism, date and id
# --------------------------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_files(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    a = write_dossier(sample, tmp_path / "a", command=CMD)
    b = write_dossier(sample_result(), tmp_path / "b", command=CMD)
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
    assert "2026-01-01" in a[0].read_text(encoding="utf-8")


def test_real_assessment_renders_identically(approved):
    assert render_html(approved, command=CMD) == render_html(copy.deepcopy(approved), command=CMD)
    assert render_markdown(approved, command=CMD) == render_markdown(copy.deepcopy(approved), command=CMD)


def test_cover_date_is_epoch_or_assessment_date_never_wall_clock(sample, monkeypatch):
    today = date.today().isoformat()
    assert sample.assessed_on != today
    html = render_html(sample, command=CMD)
    md = render_markdown(sample, command=CMD)
    assert today not in html
    # one fact, shown once: the assessment date (no second "Date" repeating it)
    assert f"<dt>Assessed on</dt><dd>{sample.assessed_on}</dd>" in html
    assert "Dossier date" not in html and "Assessed for" not in html and ">Date<" not in html
    assert (
        f"| Assessed on | {sample.assessed_on} |" in md and "| Date |" not in md and "Dossier date" not in md
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")  # 2026-05-28
    html = render_html(sample, command=CMD)
    assert "<dt>Dossier date</dt><dd>2026-05-28 <span" in html and "SOURCE_DATE_EPOCH=1780000000" in html
    assert f"<dt>Assessed on</dt><dd>{sample.assessed_on}</dd>" in html
    md = render_markdown(sample, command=CMD)
    assert "| Dossier date | 2026-05-28" in md


def test_dossier_id_is_a_hash_of_the_result(sample):
    ident = dossier_id(sample)
    assert re.fullmatch(r"LPC-[0-9a-f]{12}", ident)
    assert dossier_id(sample_result()) == ident
    assert dossier_id(sample_result(name="Other line")) != ident
    assert ident in render_html(sample, command=CMD)


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def test_write_dossier_writes_named_files(sample, tmp_path):
    paths = write_dossier(sample, tmp_path / "out" / "nested", ("html", "md"), command=CMD)
    ident = dossier_id(sample)
    assert [p.name for p in paths] == [f"{ident}.html", f"{ident}.md"]
    assert paths[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert paths[1].read_text(encoding="utf-8").startswith("# LiPLANET audit dossier")
    assert sorted(p.name for p in paths[0].parent.iterdir()) == sorted(p.name for p in paths)  # no temp files
    assert [p.name for p in write_dossier(sample, tmp_path / "h", ["html"], command=CMD)] == [f"{ident}.html"]


def test_existing_dossier_is_only_replaced_by_a_complete_one(sample, tmp_path, monkeypatch):
    from liplanet_cert.dossier import render as render_mod

    out = tmp_path / "out"
    paths = write_dossier(sample, out, command=CMD)
    before = {p.name: p.read_bytes() for p in paths}

    def broken(result, *, command):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(render_mod._RENDERERS, "md", broken)
    with pytest.raises(RuntimeError):
        write_dossier(sample, out, command="a different command")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("no space")))
    monkeypatch.setitem(render_mod._RENDERERS, "md", render_markdown)
    with pytest.raises(OSError):
        write_dossier(sample, out, command="a different command")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # temp files removed too


def test_unknown_format_is_a_usage_error_and_writes_nothing(sample, tmp_path):
    with pytest.raises(UsageError, match="pdf"):
        write_dossier(sample, tmp_path / "x", ("html", "pdf"), command=CMD)
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------------------------
# content: every section, the example's real numbers
# --------------------------------------------------------------------------------------------


SECTIONS = [
    "Executive summary",
    "Eligibility and process",
    "Key performance indicators",
    "Findings",
    "Carbon footprint",
    "Annex",
    "A.1 Input files",
    "A.2 Criteria pack",
    "A.3 LCA model and data sources",
    "A.4 Glossary of KPIs",
    "A.5 How to reproduce this result",
]


def test_approved_example_dossier_has_every_section_and_real_numbers(approved):
    html = render_html(approved, command=CMD)
    md = render_markdown(approved, command=CMD)
    for title in SECTIONS:
        assert title in html and title in md
    assert "Verdict: Approved" in html and "**Verdict: Approved**" in md
    assert approved.pilot_line["name"] in html
    assert approved.criteria.sha256 in html and approved.criteria.sha256 in md
    assert f"{approved.criteria.id}@{approved.criteria.version}" in html
    for inp in approved.inputs:  # annex lists every input with size and hash
        assert inp.sha256 in html and inp.sha256 in md and inp.path in html
    kpi = approved.kpis["cell_throughput"]
    assert charts.fmt_value(kpi.measured) in html  # e.g. 44.32 cell/day from the logs
    assert f'{approved.counts["pass"]}</div><div class="l">passed' in html
    # the criteria pack is cited (id, version, sha256, how to show it), not copied
    show = f"liplanet-cert criteria show {approved.criteria.id}@{approved.criteria.version}"
    assert show in html and show in md
    # the reproduce command, the glossary from templates/glossary.yaml
    assert CMD in html and CMD in md
    assert "First-pass yield" in html and "Product of the step yields" in md
    # per-step bars use the example's real scrap rates
    for s in approved.steps:
        if s.scrap_rate is not None:
            assert f"{charts.fmt_value(s.scrap_rate, 2)} %" in html


def test_not_approved_dossier_puts_required_failures_first(not_approved):
    html = render_html(not_approved, command=CMD)
    md = render_markdown(not_approved, command=CMD)
    assert "Verdict: Not approved" in html
    fails = [f for f in not_approved.findings if f.status is Status.FAIL]
    assert len(fails) >= 3
    summary = html.split('id="summary"')[1].split('id="eligibility"')[0]
    top = re.findall(r'href="#finding-([^"]+)"', summary)
    assert top == [f.id for f in top_findings(not_approved.findings)]
    severities = [next(f.severity for f in not_approved.findings if f.id == i) for i in top]
    assert severities == sorted(severities, key=lambda s: s != "required")  # required ones first
    # every failed criterion has a card with evidence and, where the logs contradict, the lots
    for f in fails:
        assert f'id="finding-{f.id}"' in html
        assert f"### {f.id}" in md
        if f.lots:
            assert compress_lots(f.lots) in html
    assert "No footprint in this assessment" in html or not_approved.footprint


def test_footprint_section_shows_steps_uncertainty_and_scenario(sample):
    html = render_html(sample, command=CMD)
    md = render_markdown(sample, command=CMD)
    fp = sample.footprint
    assert charts.fmt_value(fp.total_per_kwh) in html
    assert (
        "Monte Carlo 95\u00a0% interval" in html and "Monte Carlo 95 % interval" in md
    )  # HTML: no break before %
    assert "Reduction potential: Renewable electricity supply (onshore wind PPA)" in html
    assert "Degen, F. &amp; Schütte, M. (2022)" in html and "Degen, F. & Schütte, M. (2022)" in md
    assert "default (modelled) data" in html
    for s in fp.steps:
        assert charts.fmt_value(s.kg_co2e_per_kwh) in html
    footprint_svg = [s for s in SVG_RE.findall(html) if 'class="chart footprint"' in s][0]
    root = ET.fromstring(footprint_svg)
    # whiskers (lines) are drawn for every step with an interval, bars coloured by contribution
    assert sum(1 for r in root.iter("rect") if r.get("fill") == charts.PALETTE["heat"]) >= 2


def test_missing_footprint_is_stated(sample):
    r = copy.deepcopy(sample)
    r.footprint = None
    html = render_html(r, command=CMD)
    md = render_markdown(r, command=CMD)
    assert "No footprint in this assessment" in html and "No footprint in this assessment" in md
    assert "No carbon footprint was computed" in html


def test_top_findings_order():
    def f(i, sev, status):
        return Finding(i, i, "quality", sev, status, "", "", "", "")

    findings = [
        f("A", "advisory", Status.FAIL),
        f("W", "required", Status.WAIVED),
        f("P", "required", Status.PASS),
        f("R1", "required", Status.FAIL),
        f("E", "required", Status.ERROR),
        f("R2", "required", Status.FAIL),
        Finding(
            "C", "C", "consistency", "required", Status.FAIL, "", "", "", "", metric="consistency.scrap_rate"
        ),
    ]
    # every one, none cut off: contradictions first, then failures, then not evaluable; advisory; waived
    assert [x.id for x in top_findings(findings)] == ["C", "R1", "R2", "E", "A", "W"]
    assert [x.id for x in top_findings(findings, 3)] == ["C", "R1", "R2"]


def test_seal_only_for_approved_verdicts():
    seals = {v: charts.seal_badge(v.value) for v in Verdict}
    assert "APPROVED" in seals[Verdict.APPROVED] and "OBSERVATIONS" not in seals[Verdict.APPROVED]
    assert "OBSERVATIONS" in seals[Verdict.APPROVED_WITH_OBSERVATIONS]  # visibly qualified
    assert seals[Verdict.APPROVED] != seals[Verdict.APPROVED_WITH_OBSERVATIONS]
    assert seals[Verdict.NOT_APPROVED] == "" and charts.seal_badge("anything else") == ""


# --------------------------------------------------------------------------------------------
# charts and helpers
# --------------------------------------------------------------------------------------------


def test_step_chart_marks_steps_over_their_limit():
    svg = charts.step_scrap_chart([("mixing", 1.0, 2.0), ("formation", 11.32, 4.0), ("<x>", None, None)])
    root = ET.fromstring(svg)
    fills = [r.get("fill") for r in root.iter("rect") if r.find("title") is not None]
    assert fills == [charts.PALETTE["ok"], charts.PALETTE["bad"]]
    assert "11.32 %" in svg and "&lt;x&gt;" in svg and "not logged" in svg


def test_bullet_chart_places_threshold_and_handles_missing_values():
    svg = charts.bullet_chart("Scrap", "%", measured=15.4, declared=5.0, threshold=10.0, comparator="<")
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter("title")]
    assert any("threshold < 10 %" in (t or "") for t in titles)
    assert any("measured 15.4 %" in (t or "") for t in titles)
    empty = charts.bullet_chart("X", "Ah", measured=None)
    assert "no value" in empty
    ET.fromstring(empty)


def test_charts_are_deterministic_and_survive_degenerate_data():
    for svg in (
        charts.daily_output_chart([("2026-01-01", 3)]),
        charts.daily_output_chart([]),
        charts.capacity_histogram([5.0, 5.0, 5.0], nominal=5.0),
        charts.capacity_histogram([]),
        charts.footprint_chart([]),
        charts.footprint_chart([{"step": "a", "value": 0.0, "contributions": {}}]),
        charts.scenario_chart([]),
    ):
        ET.fromstring(svg)
    a = charts.capacity_histogram([4.9, 5.0, 5.1, 5.05], nominal=5.0)
    assert a == charts.capacity_histogram([4.9, 5.0, 5.1, 5.05], nominal=5.0)
    assert "-0" not in re.sub(r"[a-z]-0", "", charts.n(-0.0001))


def test_kpi_limits_come_from_typed_thresholds_and_lot_ranges(approved):
    def limit(name):
        found = kpi_limit(name, approved.kpis[name].unit, approved.findings)
        return (found.op, found.value, found.finding.id) if found is not None else None

    # kpi.scrap_rate < 10 (percent): the KPI's "%", no scaling of a rate
    assert limit("scrap_rate") == ("<", 10.0, "KPI-SCRAP-OVERALL")
    # one criterion, two metrics: each KPI gets the threshold on its own metric
    assert limit("electrode_throughput") == (">=", 2.0, "ELIG-ELECTRODE-OUTPUT")
    assert limit("electrode_per_batch") == (">=", 2.0, "ELIG-ELECTRODE-OUTPUT")
    # the criterion that applies (cells below 10 Ah), not the one that does not
    assert limit("cell_throughput") == (">=", 20.0, "ELIG-CELL-OUTPUT-SMALL")
    assert limit("first_pass_yield") is None  # no criterion tests it
    assert kpi_limit("scrap_rate", "m/day", approved.findings) is None  # a limit in another unit
    assert compress_lots(["L03", "L12", "L13", "L14", "L15"]) == "L03, L12–L15"
    assert compress_lots(["A1", "A2", "B7"]) == "A1, A2, B7"


def test_kpi_thresholds_come_from_the_criteria(approved):
    html = render_html(approved, command=CMD)
    kpi_svgs = [s for s in SVG_RE.findall(html) if 'class="chart bullet"' in s]
    assert len(kpi_svgs) == len(approved.kpis)
    joined = "".join(kpi_svgs)
    assert "threshold &lt; 10 %" in joined  # overall scrap rate < 10 %
    assert "threshold &gt;= 20 cell/day" in joined


def _as_format_1_0(result):
    """``result`` as a stored result of format 1.0 gives it: findings without typed thresholds or
    measured values (their sentences unchanged)."""
    data = result.to_dict()
    data["schema_version"] = "1.0"
    for f in data["findings"]:
        del f["thresholds"], f["measured"]
    old = Result.from_dict(data)
    assert all(f.thresholds == [] and f.measured == [] for f in old.findings)
    return old


@pytest.mark.parametrize("which", ["sample", "approved"])
def test_a_result_of_format_1_0_renders_without_limits(which, request, tmp_path):
    """Without typed thresholds the dossier shows no limit (what it shows for a KPI no criterion
    tests): no limit in the KPI table, no threshold line in the charts; everything else renders."""
    result = request.getfixturevalue(which)
    old = _as_format_1_0(result)
    html = render_html(old, command=CMD)
    md = render_markdown(old, command=CMD)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    ctx = build_context(old, command=CMD, html=False)
    assert [k["threshold_text"] for k in ctx["kpis"]] == ["—"] * len(old.kpis)
    assert all(k["criterion"] == "" and k["comparator"] is None for k in ctx["kpis"])
    assert ctx["daily"]["threshold"] is None and ctx["daily"]["threshold_text"] == ""
    for svg in SVG_RE.findall(html):
        if 'class="chart bullet"' in svg or 'class="chart line"' in svg:
            assert f'stroke="{charts.PALETTE["threshold"]}"' not in svg
    assert "threshold &lt; 10 %" not in html and "; threshold" not in md
    # the findings themselves read as before: the sentences are the same
    assert _table_column(html, "criteria", "Expected") == _table_column(
        render_html(result, command=CMD), "criteria", "Expected"
    )
    assert len(write_dossier(old, tmp_path, command=CMD)) == 2


def test_no_limit_from_a_criterion_whose_applicability_is_unknown(approved):
    """A criterion that could not tell whether it applies (its condition's value was not measured)
    sets no limit, and one that does not apply neither."""
    findings = copy.deepcopy(approved.findings)
    for i, f in enumerate(findings):
        if f.id == "ELIG-CELL-OUTPUT-SMALL":
            cond = next(t for t in f.thresholds if t.role == "applies_if")
            findings[i] = replace(f, status=Status.ERROR, measured=[Measured(cond.metric, None, cond.unit)])
    assert kpi_limit("cell_throughput", "cell/day", findings) is None  # LARGE: not applicable


def test_step_rates_are_percent_never_rescaled(sample):
    """Step rates are in percent (as the assessment computes them): small ones are not read as fractions."""
    r = copy.deepcopy(sample)
    r.steps = [replace(s, scrap_rate=0.5, yield_=None, scrap_limit=0.8) for s in r.steps]
    steps = build_context(r, command=CMD, html=False)["steps"]
    assert {(s["scrap_rate"], s["limit"], s["yield"]) for s in steps} == {(0.5, 0.8, None)}
    assert "| 0.5 % | ≤ 0.8 % |" in render_markdown(r, command=CMD)


# --------------------------------------------------------------------------------------------
# packaging and import cost
# --------------------------------------------------------------------------------------------


def test_templates_are_found_through_the_resource_locator():
    tdir = data_dir("templates")
    for name in ("dossier.html.j2", "dossier.md.j2", "glossary.yaml", "partials/style.css"):
        assert (tdir / name).is_file()


def test_importing_the_dossier_package_is_light():
    code = "import sys, liplanet_cert.dossier; print(sorted(m for m in ('jinja2', 'yaml', 'pandas', 'bw2data') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("which", ["sample", "not_approved"])
def test_markdown_blocks_are_separated(which, request):
    """Headings, lists and tables start on their own block, so any Markdown renderer sees them."""
    lines = render_markdown(request.getfixturevalue(which), command=CMD).split("\n")
    fence = ""
    for i, line in enumerate(lines[1:], start=1):
        if fence:
            fence = "" if line == fence else fence
            continue
        if line.startswith("```"):
            fence = re.match(r"`+", line).group(0)
            assert lines[i - 1] == "", f"line {i + 1}: code block not preceded by a blank line"
            continue
        if line.startswith("#"):
            assert lines[i - 1] == "", f"line {i + 1}: heading not preceded by a blank line: {line!r}"
        if line.startswith("|") and not lines[i - 1].startswith("|"):
            assert lines[i - 1] == "", f"line {i + 1}: table not preceded by a blank line"
    assert lines[-1] == "" and lines[-2] != ""  # ends with exactly one newline


# --------------------------------------------------------------------------------------------
# the dossier an auditor prints (issue "A dossier an auditor prints")
# --------------------------------------------------------------------------------------------

# every failed criterion of examples/bundles/not-approved, counted by hand from its findings and
# in the order an auditor should read them: the declaration-vs-logs contradiction first, then the
# other required failures in the pack's order, then the advisory one
NOT_APPROVED_FAILURES = [
    "CONS-SCRAP-RATE",
    "ELIG-CELL-OUTPUT-SMALL",
    "ELIG-AUTO-STACKING",
    "ELIG-AUTO-TAB-WELDING",
    "KPI-SCRAP-OVERALL",
    "QUAL-SCRAP-FORMATION",
    # pack 2.2.0: infrastructure is among the steps making 80 % of the footprint and not metered
    "SUST-RELEVANT-PRIMARY",
    "SUST-INTENSITY",
]
METRIC_PATH = re.compile(
    r"\b(?:kpi|declared|step|cell|footprint|eol|coating|scope|consistency|balance)\.[a-z_]"
)
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _section(html: str, ident: str) -> str:
    return html.split(f'id="{ident}"', 1)[1].split("<section", 1)[0]


def _table_column(html: str, table_class: str, header: str) -> list[str]:
    """The texts of one column (found by its header) of the first table with ``table_class``."""
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    table = next(t for t in doc.iter("table") if table_class in (t.get("class") or "").split())
    heads = [_texts(th).strip() for th in table.find("thead").iter("th")]
    col = heads.index(header)
    cells = []
    for body in table.findall("tbody"):
        for tr in body.findall("tr"):
            tds = tr.findall("td")
            if len(tds) == len(heads):
                cells.append(_texts(tds[col]))
    return cells


def _md_column(md: str, header: str) -> list[str]:
    cells = []
    lines = md.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("|") and header in [c.strip() for c in line.strip("|").split("|")]:
            heads = [c.strip() for c in line.strip("|").split("|")]
            col = heads.index(header)
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                cells.append(re.split(r"(?<!\\)\|", row.strip().strip("|"))[col].strip())
    return cells


@pytest.mark.parametrize("which", ["sample", "approved", "not_approved"])
def test_seal_only_when_approved_and_verdict_is_unmistakable(which, request):
    result = request.getfixturevalue(which)
    html = render_html(result, command=CMD)
    md = render_markdown(result, command=CMD)
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    seals = [
        s
        for s in doc.iter()
        if isinstance(s.tag, str) and s.tag.endswith("svg") and "seal" in (s.get("class") or "").split()
    ]
    label = {
        "approved": "Approved",
        "approved_with_observations": "Approved with observations",
        "not_approved": "Not approved",
    }[result.verdict.value]
    assert f"Verdict: {label}" in html and f"**Verdict: {label}**" in md
    if result.verdict is Verdict.NOT_APPROVED:
        assert seals == [] and 'class="seal-wrap"' not in html and 'class="seal"' not in html
        assert "| LiPLANET approved seal | not awarded |" in md
        assert "is not awarded" in _texts(doc.find(".//*[@role='status']"))
    else:
        assert len(seals) == 1
        qualified = result.verdict is Verdict.APPROVED_WITH_OBSERVATIONS
        assert ("OBSERVATIONS" in ET.tostring(seals[0], encoding="unicode")) == qualified


@pytest.mark.parametrize("which", ["sample", "approved", "not_approved"])
def test_zero_counts_are_neutral_not_failures(which, request):
    result = request.getfixturevalue(which)
    doc = html5lib.parse(render_html(result, command=CMD), namespaceHTMLElements=False)
    tiles = [t for t in doc.iter("div") if "tile" in (t.get("class") or "").split()]
    counted = 0
    for t in tiles:
        classes = set((t.get("class") or "").split())
        value = _texts(t.find("div")).strip()
        if value == "0":
            counted += 1
            assert "zero" in classes and not classes & {"fail", "error", "waived", "pass"}, t.get("class")
        elif classes & {"fail", "error"}:
            assert int(value) > 0
    if which == "approved":
        assert counted >= 2  # "0 failed", "0 not evaluable" are there, and neutral
    assert (
        ".tile.zero .v { color: var(--muted)"
        in (data_dir("templates") / "partials" / "style.css").read_text()
    )


@pytest.mark.parametrize("which", ["sample", "approved", "not_approved"])
def test_expected_column_shows_meaning_not_metric_paths(which, request):
    result = request.getfixturevalue(which)
    html = render_html(result, command=CMD)
    md = render_markdown(result, command=CMD)
    md_criteria = md.split("\n## 2.", 1)[1].split("\n## 3.", 1)[0]
    for cells in (_table_column(html, "criteria", "Expected"), _md_column(md_criteria, "Expected")):
        assert len(cells) == len(result.findings)
        for cell in cells:
            assert not METRIC_PATH.search(cell), cell
    for cells in (_table_column(html, "criteria", "Actual"), _md_column(md_criteria, "Actual")):
        for cell in cells:  # "electrode_throughput: 27.31 m/day" reads "electrode throughput: …"
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", cell.replace("\\_", "_")), cell
    # not in the cards and the summary either
    for part in (_section(html, "findings"), _section(html, "summary")):
        text = _texts(html5lib.parse(part, namespaceHTMLElements=False))
        assert not METRIC_PATH.search(text), METRIC_PATH.search(text)


def test_expected_values_have_meaning_and_units(approved, not_approved):
    html = render_html(approved, command=CMD)
    expected = _table_column(html, "criteria", "Expected")
    # (in HTML a comparator, its number and its unit are joined by no-break spaces, U+00A0)
    assert "cell throughput ≥\u00a020\u00a0cell/day" in expected
    assert "cell-production footprint ≤\u00a020\u00a0kg CO2e/kWh" in expected  # the pack wrote a bare 20
    assert "automation of coating and drying ≥ semi-automatic" in expected
    na = _table_column(render_html(not_approved, command=CMD), "criteria", "Expected")
    assert any(
        e.startswith("declared overall production scrap rate within ±\u00a02 percentage points") for e in na
    )


def test_every_expected_text_of_every_shipped_pack_is_in_words():
    """The class of the problem: whatever a shipped pack tests, the dossier shows its meaning."""
    from liplanet_cert.criteria.pack import shipped_packs
    from liplanet_cert.dossier.labels import labeller

    lab = labeller()
    seen = 0
    for pack in shipped_packs():
        for c in pack.criteria:
            conds = ([c.applies_if] if c.applies_if else []) + list(c.check)
            for cond in conds:
                text = lab.condition(cond.expected)
                assert not METRIC_PATH.search(text), (pack.ref, c.id, text)
                assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), (pack.ref, c.id, text)
                seen += 1
            if c.consistency:
                kpi = c.consistency["kpi"]
                text = lab.consistency(f"declared {kpi} within ± {c.consistency['text']} of the logs", kpi)
                assert kpi not in text and not METRIC_PATH.search(text), text
    assert seen > 40


@pytest.mark.parametrize("which", ["approved", "not_approved"])
def test_example_dossier_leaks_no_install_path(which, request):
    from liplanet_cert.infra.resources import PACKAGE_DIR

    result = request.getfixturevalue(which)
    assert Path(result.bundle["path"]).is_absolute()  # --example resolves into the installation
    html = render_html(result, command=CMD)
    md = render_markdown(result, command=CMD)
    name = Path(result.bundle["path"]).name
    for text in (html, md):
        assert "site-packages" not in text and "_data/" not in text
        assert str(PACKAGE_DIR) not in text and str(PACKAGE_DIR.parent) not in text
        assert result.bundle["path"] not in text and str(result.criteria.path) not in text
        assert f"example: {name}" in text


def test_user_bundle_is_shown_as_given(sample):
    r = copy.deepcopy(sample)
    r.bundle = dict(r.bundle, path="bundles/line-7.zip")
    assert "bundles/line-7.zip" in render_html(r, command=CMD)
    assert "`bundles/line-7.zip`" in render_markdown(r, command=CMD)


@pytest.mark.parametrize("which", ["sample", "approved", "not_approved"])
def test_markdown_has_no_html_entities_and_no_yaml_dump(which, request):
    result = request.getfixturevalue(which)
    md = render_markdown(result, command=CMD)
    assert not ENTITY.search(md), ENTITY.search(md)
    assert "```yaml" not in md and not re.search(r"^\s*(criteria|check|any_of|changelog):", md, re.M)
    assert "- id: " not in md and "{metric:" not in md
    hostile = render_markdown(_hostile(result), command=CMD)
    assert not ENTITY.search(hostile)


@pytest.mark.parametrize("which", ["approved", "not_approved"])
def test_html_does_not_dump_the_criteria_pack(which, request):
    result = request.getfixturevalue(which)
    html = render_html(result, command=CMD)
    assert (
        "<pre>" not in html.replace('<pre class="cmd">', "")
        and "{metric:" not in html
        and "changelog" not in html
    )
    assert f"liplanet-cert criteria show {result.criteria.id}@{result.criteria.version}" in html
    assert result.criteria.sha256 in _section(html, "annex")


def test_what_matters_most_lists_every_failure_contradictions_first(not_approved):
    failed = [f.id for f in not_approved.findings if f.status in (Status.FAIL, Status.ERROR)]
    assert sorted(failed) == sorted(NOT_APPROVED_FAILURES)  # eight, as counted by hand
    html = render_html(not_approved, command=CMD)
    md = render_markdown(not_approved, command=CMD)
    summary = _section(html, "summary")
    assert re.findall(r'href="#finding-([^"]+)"', summary) == NOT_APPROVED_FAILURES
    md_summary = md.split("### What matters most", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\d+\. \*\*\w+\*\* \(\w+\) `([^`]+)`", md_summary, re.M) == NOT_APPROVED_FAILURES
    assert "declaration contradicts the logs" in summary
    # the findings section follows the same order
    findings = _section(html, "findings")
    assert re.findall(r'id="finding-([^"]+)"', findings) == NOT_APPROVED_FAILURES


def test_print_css_has_running_header_and_page_x_of_y(sample):
    """The print contract Chromium renders (checked in the PDF by the browser test): @page margin
    boxes carry the line, verdict, pack and "page x of y"."""
    html = render_html(sample, command=CMD)
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "size: A4" in style
    assert re.search(
        r'@bottom-right\s*\{\s*content:\s*"page " counter\(page\) " of " counter\(pages\)', style
    )
    top = re.search(r"@top-left\s*\{\s*content:\s*(\"[^\"]*\")", style).group(1)
    assert (
        top.startswith('"APPROVED WITH OBSERVATIONS ') and "Aurora Cell Pilot Line" in top
    )  # the verdict first
    assert re.search(r'@top-right\s*\{\s*content:\s*"liplanet-2026@2\.0\.0"', style)
    # long tables repeat their header; small tables and figures are not split
    assert "thead { display: table-header-group; }" in style
    assert re.search(r"table\.keep, \.keep, figure[^{]*\{ break-inside: avoid", style)


def test_a_long_name_is_shortened_in_the_running_header_never_the_verdict(sample):
    r = copy.deepcopy(sample)
    r.pilot_line = dict(r.pilot_line, name="Forschungszentrum Batteriezellfertigung " * 4)
    style = render_html(r, command=CMD).split("<style>", 1)[1].split("</style>", 1)[0]
    top = re.search(r"@top-left\s*\{\s*content:\s*(\"[^\"]*\")", style).group(1)
    assert top.startswith('"APPROVED WITH OBSERVATIONS ') and top.count("Forschungszentrum") == 2
    assert top.rstrip('"').endswith("\\002026 ")  # the name ends in an ellipsis (escaped U+2026)


def test_running_header_cannot_break_out_of_css(sample):
    r = copy.deepcopy(sample)
    r.pilot_line = dict(
        r.pilot_line, name='x"; } body { display: none } </style><script>alert(1)</script> \\'
    )
    html = render_html(r, command=CMD)
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<script" not in style and "display: none }" not in style and "</" not in style
    header = re.search(r"@top-left\s*\{\s*content:\s*(\"[^\"]*\");\s*\}", style)
    assert header is not None  # still one well-formed string
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    assert len(doc.findall(".//style")) == 1 and doc.findall(".//script") == []


def test_identifiers_break_only_after_separators():
    from liplanet_cert.dossier.templating import wbr

    pointer = "declaration.yaml#/steps/4/automation; production_log.csv (step coating_and_drying)"
    out = str(wbr(pointer))
    assert out.replace("<wbr>", "") == pointer
    for piece in out.split("<wbr>")[:-1]:
        assert piece[-1] in "/#", (
            piece
        )  # a break opportunity only right after / and #, never inside a file name
    assert "coating_and_drying" in out  # never inside a token
    assert "declaration.yaml#" in out and "production_log.csv " in out
    assert str(wbr("declaration.yaml")) == "declaration.yaml"  # short ones stay one token
    assert str(wbr("<x>/y", 0)) == "&lt;x&gt;/<wbr>y"
    css = (data_dir("templates") / "partials" / "style.css").read_text(encoding="utf-8")
    assert "break-all" not in css
    ident_rule = re.search(r"\.ident \{[^}]*\}", css).group(0)
    assert "overflow-wrap: normal" in ident_rule and "keep-all" in ident_rule
    assert "white-space: nowrap" in re.search(r"\.cid \{[^}]*\}", css).group(0)


def test_kpi_numbers_carry_their_units(approved):
    html = render_html(approved, command=CMD)
    kpis = _section(html, "kpis")
    tp = approved.kpis["cell_throughput"]
    assert f"{charts.fmt_value(tp.measured)} cell/day" in kpis
    fp = _section(html, "footprint")
    for label in (
        "kg CO2e per kWh of cell capacity",
        "kg CO2e per kWh from electricity",
        "kg CO2e per kWh from heat",
    ):
        assert label in fp
    assert "electricity / kWh" not in fp and "heat / kWh" not in fp


def test_values_never_wrap_away_from_their_units_comparators_or_hyphens(not_approved):
    """A line never ends in "≥ 1" before "Ah", "≤ 4" before "%", "semi-" before "automatic" or
    "production_log." before "csv": no-break spaces, no-wrap enum values, no break in a file name."""
    from liplanet_cert.dossier.nobreak import glue
    from liplanet_cert.dossier.templating import wbr

    nb = "\u00a0"
    assert glue("<td>≥ 1 Ah</td><td>≥ 20 cell/day</td><td>≤ 4 %</td><td>&lt; 0.1 %</td>") == (
        f"<td>≥{nb}1{nb}Ah</td><td>≥{nb}20{nb}cell/day</td><td>≤{nb}4{nb}%</td><td>&lt;{nb}0.1{nb}%</td>"
    )
    assert (
        glue("<p>2 more rows of 3 steps, 5 lots</p>") == "<p>2 more rows of 3 steps, 5 lots</p>"
    )  # words are not units
    assert glue("<dd>≥ semi-automatic</dd>") == '<dd>≥ <span class="nowrap">semi-automatic</span></dd>'
    # never inside tags, attributes, the style sheet, the title, SVG or code
    for raw in (
        '<a title="≥ 1 Ah" href="#x-semi-automatic">',
        "<style>a { margin: 1 m; }</style>",
        "<title>≥ 1 Ah</title>",
        "<svg><text>semi-automatic</text></svg>",
        "<code>≥ 1 Ah semi-automatic</code>",
    ):
        assert glue(raw) == raw
    assert str(wbr("production_log.csv (all rows); declaration.yaml#/steps/4/automation", 0)) == (
        "production_log.csv (all rows); declaration.yaml#/<wbr>steps/<wbr>4/<wbr>automation"
    )
    html = render_html(not_approved, command=CMD)
    body = html.split("</style>", 1)[1]
    assert not re.search(r"(≥|≤|&lt;|&gt;|±) \d", body.split("<svg", 1)[0])
    assert not re.search(
        r"\d (%|Ah|cell/day|cells/day|m/day|m/batch)(?![\w/])",
        re.sub(r"<(svg|title|code|pre)\b.*?</\1>", "", body, flags=re.S),
    )
    shown = re.sub(r"<(svg|title|code|pre)\b.*?</\1>", "", body, flags=re.S)
    assert shown.count("semi-automatic") == shown.count('<span class="nowrap">semi-automatic</span>') >= 1
