"""The round-robin report (issue 14): Markdown and self-contained HTML with SVG charts.

The result dicts are built by hand in the published JSON form
(:meth:`liplanet_cert.roundrobin.model.RoundRobinResult.to_dict`); their scores are worked out in
the comments, and the chart coordinates the tests check are computed by hand from the chart's
geometry (plot area top 18, bottom 208).
"""

from __future__ import annotations

import copy
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import html5lib
import pytest
from helpers import squash
from markdown_it import MarkdownIt

from liplanet_cert.dossier import rr_charts
from liplanet_cert.errors import UsageError
from liplanet_cert.infra.textsafe import clean, is_clean
from liplanet_cert.reporters.roundrobin_report import build_context, render

GFM = MarkdownIt("commonmark").enable("table")
MD_TAGS = {"html", "head", "body", "h1", "h2", "h3", "p", "strong", "em", "code", "ul", "li"}
MD_TAGS |= {"table", "thead", "tbody", "tr", "th", "td"}
HOSTILE = (
    "Evil\x1b[2J\x1b]0;pwned\x07<script>alert(1)</script> <img src=x onerror=alert(7)> | **bold** "
    "[x](javascript:alert(1)) `code` # ## \u202etxt.exe\u2066 </td></tr> {{ 7*7 }} &amp; ---"
)


def _p(code: str, value: Any, u: Any, z: Any, flag: str, **kw: Any) -> dict[str, Any]:
    return {
        "participant": code,
        "value": value,
        "uncertainty": u,
        "replicates": kw.get("replicates", 3),
        "z": z,
        "z_prime": kw.get("z_prime"),
        "zeta": kw.get("zeta"),
        "En": kw.get("En"),
        "flag": flag,
    }


def _capacity() -> dict[str, Any]:
    """Five participants, X = 5.00 Ah, u(X) = 0.01, σ_pt = 0.05; z = (x − 5)/0.05,
    z′ = (x − 5)/√(0.05² + 0.01²) = (x − 5)/0.050990, ζ = (x − 5)/√(u² + 0.01²), En = (x − 5)/(2√(u² + 0.01²))."""
    return {
        "measurand": "capacity",
        "unit": "Ah",
        "n": 5,
        "assigned_value": 5.0,
        "u_assigned_value": 0.01,
        "sigma_pt": 0.05,
        "method": "Algorithm A (ISO 13528:2022), robust SD as σ_pt",
        "participants": [
            _p("P01", 5.0, 0.01, 0.0, "satisfactory", z_prime=0.0, zeta=0.0, En=0.0),
            # 0.05/0.05 = 1; z′ = 0.05/0.050990 = 0.98058; no u: ζ and En null
            _p("P02", 5.05, None, 1.0, "satisfactory", z_prime=0.98058),
            # −0.12/0.05 = −2.4; ζ = −0.12/√(0.0004 + 0.0001) = −0.12/0.022361 = −5.3666;
            # En = −5.3666/2 = −2.6833
            _p("P03", 4.88, 0.02, -2.4, "questionable", z_prime=-2.3534, zeta=-5.3666, En=-2.6833),
            # 0.2/0.05 = 4: unsatisfactory
            _p("P04", 5.2, 0.03, 4.0, "unsatisfactory", z_prime=3.9223, zeta=6.3246, En=3.1623),
            _p("P05", 5.02, 0.01, 0.4, "satisfactory", z_prime=0.39223, zeta=1.4142, En=0.70711),
        ],
        "limitations": [],
        "s_r": 0.012,
        "s_L": 0.1,
        "s_R": 0.10072,  # √(0.012² + 0.1²) = √0.010144 = 0.100717
        "mandel_h": {"P01": -0.1, "P02": 0.3, "P03": -1.2, "P04": 1.8, "P05": None},
        "mandel_k": {"P01": 0.5, "P02": 0.9, "P03": 1.1, "P04": 1.6, "P05": None},
        "h_critical": {"5%": 1.71, "1%": 1.92},
        "k_critical": {"5%": 1.57, "1%": 1.85},
        "cochran": {"C": 0.41, "participant": "P04", "critical": {"5%": 0.544, "1%": 0.633}},
        "grubbs": {"high": {"participant": "P04", "G": 1.62}, "low": None},
        "outliers": [],
        "stragglers": ["P04"],
    }


def _ocv() -> dict[str, Any]:
    """One participant with a value: no consensus, every score null."""
    return {
        "measurand": "OCV drop",
        "unit": "mV/day",
        "n": 1,
        "assigned_value": None,
        "u_assigned_value": None,
        "sigma_pt": None,
        "method": "none: one participant",
        "participants": [
            _p("P01", 1.25, None, None, "satisfactory", replicates=None),
            _p("P02", None, None, None, "unsatisfactory", replicates=None),
        ],
        "limitations": ["only one participant has a value: no consensus value, no scores"],
    }


def _result() -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "tool": {"name": "liplanet-cert", "version": "9.9.9"},
        "protocol": {
            "id": "RR-NMC622",
            "version": "2",
            "round_id": "2026-R1",
            "reference_design": "NMC622/graphite pouch 5 Ah",
            "source": "protocol.yaml",
        },
        "pseudonymised": True,
        "measurands": [_capacity(), _ocv()],
    }


def _svgs(html: str) -> list[ET.Element]:
    """The inline SVG charts, parsed as XML (each must be well-formed on its own)."""
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def _svg(html: str, cls: str) -> ET.Element:
    found = [s for s in _svgs(html) if cls in s.get("class", "").split()]
    assert found, cls
    return found[0]


def _refs(svg: ET.Element, cls: str) -> dict[str, ET.Element]:
    """The reference lines (or band) of class ``cls``, by the value they mark."""
    return {el.get("data-value"): el for el in svg.iter() if cls in el.get("class", "").split()}


# -- both formats ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["html", "markdown", "md", " HTML "])
def test_both_formats_render_and_are_deterministic(fmt: str) -> None:
    first = render(_result(), fmt)
    again = render(copy.deepcopy(_result()), fmt)
    assert first == again and first.encode("utf-8") == again.encode("utf-8")
    assert is_clean(first)
    first = first.replace("\u00a0", " ")  # the HTML keeps a number with its unit (no-break space)
    assert "RR-NMC622" in first and "2026-R1" in first and "NMC622/graphite pouch 5 Ah" in first
    assert "pseudonymised (shown by code)" in first
    assert "ISO 13528:2022" in first and "ISO 5725-2:2019" in first and "Algorithm A" in first
    assert "Mandel" in first and "Cochran" in first and "Grubbs" in first


def test_an_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        render(_result(), "pdf")


def test_revealed_names_are_said_so() -> None:
    result = dict(_result(), pseudonymised=False)
    for fmt in ("html", "markdown"):
        assert "revealed (shown by name)" in render(result, fmt)


def test_the_markdown_has_the_tables_and_a_summary() -> None:
    md = render(_result(), "markdown")
    assert "5 participants scored on z: 3 satisfactory, 1 questionable, 1 unsatisfactory" in md
    assert "largest \\|z\\| 4 (P04)" in md  # |4.0| is the largest of 0, 1, 2.4, 4, 0.4
    # P03: value 4.88, u 0.02, z −2.4, z′ −2.35, ζ −5.37, En −2.68 (to two decimals)
    assert "| P03 | 4.88 | 0.02 | 3 | -2.4 | -2.35 | -5.37 | -2.68 | questionable |" in md
    assert "| P02 | 5.05 | — | 3 | 1 | 0.98 | — | — | satisfactory |" in md  # no u: ζ, En null
    assert "| 0.012 | 0.1 | 0.10072 |" in md  # s_r, s_L, s_R
    assert "| P05 | — | — |" in md  # Mandel's h and k null
    assert "h: 5 % 1.71, 1 % 1.92; k: 5 % 1.57, 1 % 1.85" in md
    assert "| Cochran | critical.5% | 0.544 |" in md and "| Grubbs | high.G | 1.62 |" in md
    assert "| Grubbs | low | — |" in md
    assert "Stragglers (5 %): P04." in md and "Outliers (1 %): none." in md
    assert "<svg" not in md
    html = GFM.render(md)
    assert {el.tag for el in html5lib.parse(html, namespaceHTMLElements=False).iter()} - {
        "html", "head", "body", "h1", "h2", "h3", "p", "strong", "ul", "li",
        "table", "thead", "tbody", "tr", "th", "td",
    } == set()  # fmt: skip


def test_no_consensus_shows_its_limitation_and_null_scores() -> None:
    md = render(_result(), "markdown")
    section = md[md.index("## 3. OCV drop") :]
    assert "- only one participant has a value: no consensus value, no scores" in section
    assert "Assigned value X: —; u(X): —; σ_pt: —" in section
    assert "2 participants; no score was computed (see the limitations)." in section
    assert "| P01 | 1.25 | — | — | — | — | — | — | satisfactory |" in section
    assert "| P02 | — | — | — | — | — | — | — | unsatisfactory |" in section
    assert "### Precision" not in section  # no replicates: no ISO 5725-2 block
    html = render(_result(), "html")
    ocv = html[html.index('id="m-2"') :]
    assert "only one participant has a value" in ocv and "no z score: nothing to draw" in ocv
    assert "rr-mandel-h" not in ocv and "No score was computed for this measurand" in ocv


def test_nulls_nans_and_missing_keys_never_fail() -> None:
    result = _result()
    cap = result["measurands"][0]
    cap["participants"][1].update(value=math.nan, z=math.inf, z_prime=None)
    cap["h_critical"] = None
    del cap["k_critical"], cap["cochran"]
    result["measurands"].append({"measurand": "bare"})  # every other key missing
    result["protocol"] = {}
    for fmt in ("html", "markdown"):
        out = render(result, fmt)
        assert "bare" in out and not re.search(r"\b(nan|inf)\b", out, flags=re.I)
    ctx = build_context(result, html=True)
    assert ctx["measurands"][0]["participants"][1]["value"] == "—"
    assert ctx["measurands"][2]["participants"] == [] and ctx["measurands"][2]["assigned"] == "—"


# -- the charts --------------------------------------------------------------------------------------
def test_the_z_chart_has_the_bands_and_bars_coloured_by_flag() -> None:
    svg = _svg(render(_result(), "html"), "rr-z")
    assert svg.find("title") is not None and svg.find("desc") is not None
    assert "P03 -2.4 (questionable)" in svg.find("desc").text
    limits = _refs(svg, "z-limit")
    assert set(limits) == {"2", "-2", "3", "-3"}
    assert {v for v, el in limits.items() if "z-warn" in el.get("class")} == {"2", "-2"}
    # largest |z| 4: the axis runs ±min(max(3 + 1, ceil(4 + 0.5)), 6) = ±5 over y 208 (−5) to 18 (+5),
    # 19 px per unit: +2 at 208 − 7·19 = 75, −3 at 208 − 2·19 = 170
    assert limits["2"].get("y1") == "75" and limits["-3"].get("y1") == "170"
    fills = {
        r.find("title").text.split(":")[0]: r.get("fill")
        for r in svg.iter("rect")
        if r.find("title") is not None
    }
    assert fills["P04"] == rr_charts.FLAG_COLOURS["unsatisfactory"]
    assert fills["P03"] == rr_charts.FLAG_COLOURS["questionable"]
    assert fills["P01"] == fills["P05"] == rr_charts.FLAG_COLOURS["satisfactory"]
    assert [t.text for t in svg.iter("text") if t.text in ("P01", "P02", "P03", "P04", "P05")] == [
        "P01", "P02", "P03", "P04", "P05",
    ]  # fmt: skip


def test_a_score_beyond_the_axis_is_cut_and_labelled() -> None:
    svg = ET.fromstring(rr_charts.zscore_chart([("A", 50.0, "unsatisfactory"), ("B", None, "")]))
    texts = [t.text for t in svg.iter("text")]
    assert "▲ 50" in texts and "—" in texts  # ±6 at most: 50 is cut, B has no score
    # the axis is ±6 over 190 px: the bar of A ends at the top of the plot, y = 18
    bar = next(r for r in svg.iter("rect") if r.find("title") is not None)
    assert bar.get("y") == "18"


def test_the_values_chart_has_the_assigned_value_its_band_and_the_sigma_guides() -> None:
    svg = _svg(render(_result(), "html"), "rr-values")
    assert set(_refs(svg, "assigned")) == {"5"}
    assert set(_refs(svg, "assigned-band")) == {"0.02"}  # ±2u(X) = ±2 × 0.01
    assert set(_refs(svg, "sigma-pt")) == {"5.1", "4.9"}  # 5 ± 2 × 0.05
    assert "X = 5 Ah, u(X) = 0.01, σpt = 0.05" in svg.find("desc").text
    # uncertainty bars ±2u where u is given: P01, P03, P04, P05 (P02 has none), three lines each
    bars = [el for el in svg.iter("line") if el.get("stroke-width") == "1.4" and "class" not in el.attrib]
    assert len(bars) == 4 * 3
    tips = [c.find("title").text for c in svg.iter("circle")]
    assert tips[3] == "P04: 5.2 Ah ± 2u = 0.06 (unsatisfactory)" and tips[1] == "P02: 5.05 Ah (satisfactory)"


def test_the_mandel_charts_have_the_critical_lines() -> None:
    html = render(_result(), "html")
    h, k = _svg(html, "rr-mandel-h"), _svg(html, "rr-mandel-k")
    assert set(_refs(h, "crit")) == {"1.71", "-1.71", "1.92", "-1.92"}  # h: two-sided
    assert set(_refs(k, "crit")) == {"1.57", "1.85"}  # k: one-sided
    assert {v for v, el in _refs(k, "crit").items() if "crit-5" in el.get("class").split()} == {"1.57"}
    # k: top of the axis 1.85 × 1.15 = 2.1275 over 190 px from y 208 (0): 1.85 at 208 − 190/1.15 = 42.78
    assert _refs(k, "crit")["1.85"].get("y1") == "42.78"
    colours = {
        r.find("title").text.split(":")[0]: r.get("fill")
        for r in h.iter("rect")
        if r.find("title") is not None
    }
    assert colours["P04"] == rr_charts.PALETTE["warn"]  # 1.71 < 1.8 < 1.92: beyond 5 % only
    assert colours["P03"] == rr_charts.PALETTE["measured"]
    assert "P05" not in colours  # null h: no bar


def test_every_chart_has_a_text_alternative_and_the_numbers_in_a_table() -> None:
    html = render(_result(), "html")
    svgs = _svgs(html)
    assert len(svgs) == 6  # capacity: z, values, h, k; OCV drop: z, values
    for svg in svgs:
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert svg.find("title").text and svg.find("desc").text
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    cells = ["".join(td.itertext()) for td in doc.iter("td")]
    for shown in ("-5.37", "0.10072", "1.8", "1.6", "0.544"):
        assert shown in cells, shown


def test_the_html_refers_to_nothing_outside_itself() -> None:
    html = render(_result(), "html")
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    assert not doc.findall(".//script") and not doc.findall(".//link") and not doc.findall(".//img")
    for el in doc.iter():
        if isinstance(el.tag, str):
            for name in ("src", "href", "xlink:href", "action", "data"):
                value = el.get(name)
                assert value is None or value.startswith("#"), (el.tag, name, value)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html, flags=re.I)


# -- hostile text ------------------------------------------------------------------------------------
def _hostile_result() -> dict[str, Any]:
    result = _result()
    result["protocol"] = {k: HOSTILE for k in ("id", "version", "round_id", "reference_design", "source")}
    cap = result["measurands"][0]
    cap.update(measurand=HOSTILE, unit=HOSTILE, method=HOSTILE, limitations=[HOSTILE], stragglers=[HOSTILE])
    cap["participants"][3]["participant"] = HOSTILE
    cap["mandel_h"] = {HOSTILE if c == "P04" else c: v for c, v in cap["mandel_h"].items()}
    cap["cochran"] = {HOSTILE: HOSTILE}
    return result


def _cells(row: str) -> int:
    """How many cells GFM sees in a table row (split at every pipe not escaped, outer pipes dropped)."""
    return len(re.split(r"(?<!\\)\|", row.strip())) - 2


def _tables_keep_their_columns(md: str) -> None:
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()):  # a delimiter row: the header is above it
            assert _cells(lines[i - 1]) == _cells(line), lines[i - 1]
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert _cells(lines[j]) == _cells(line), lines[j]
                j += 1


def test_hostile_text_is_shown_as_text_in_markdown() -> None:
    md = render(_hostile_result(), "markdown")
    assert is_clean(md)
    _tables_keep_their_columns(md)
    html = GFM.render(md)
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    assert {el.tag for el in doc.iter() if isinstance(el.tag, str)} <= MD_TAGS
    assert not doc.findall(".//a") and not doc.findall(".//hr")
    shown = squash("".join(doc.itertext()))
    assert squash(clean(HOSTILE, oneline=True)) in shown
    headings = ["".join(h.itertext()) for h in doc.iter("h2")]
    want = squash(f"2. {clean(HOSTILE)} ({clean(HOSTILE)})")
    assert want in [squash(h) for h in headings], headings


def test_hostile_text_is_shown_as_text_in_html() -> None:
    html = render(_hostile_result(), "html")
    assert is_clean(html)
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    assert not doc.findall(".//script") and not doc.findall(".//img") and not doc.findall(".//b")
    for el in doc.iter():
        if isinstance(el.tag, str):
            assert not [a for a in el.attrib if a.lower().startswith("on")], (el.tag, el.attrib)
            assert all(not str(v).lower().lstrip().startswith("javascript:") for v in el.attrib.values())
    shown = squash("".join(doc.itertext()))
    assert squash(clean(HOSTILE, oneline=True)) in shown
    for svg in _svgs(html):  # well-formed XML: no markup from the text got in
        assert not [el for el in svg.iter() if el.tag in ("script", "img", "foreignObject", "a")]
    z = _svg(html, "rr-z")
    assert any(
        t.text == clean(HOSTILE, oneline=True)[:13] + "…" for t in z.iter("text")
    )  # the code, shortened
