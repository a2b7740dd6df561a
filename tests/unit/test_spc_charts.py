"""The quality charts of the dossier (issue 15): capability histogram and control chart.

Coordinates are computed by hand from the charts' geometry (width 430; histogram plot area x 46 to
418, y 32 (top) to 162 (bottom); control chart plot area x 46 to 372, y 24 to 154), as
``test_roundrobin_report.py`` does for the round-robin charts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from markupsafe import Markup

from liplanet_cert.dossier import spc_charts
from liplanet_cert.dossier.charts import PALETTE
from liplanet_cert.dossier.context import build_context
from liplanet_cert.dossier.render import render_html, render_markdown
from liplanet_cert.dossier.sample import sample_result
from liplanet_cert.dossier.templating import environment, mark_safe
from liplanet_cert.infra.textsafe import clean, is_clean

HOSTILE = (
    "Evil\x1b[2J\x1b]0;pwned\x07<script>alert(1)</script> <img src=x onerror=alert(7)> | **bold** "
    "\u202etxt.exe\u2066 </svg></td> {{ 7*7 }} &amp; ---"
)
ONE_TO_16 = [float(v) for v in range(1, 17)]


def _hist(values: list[float], **kw: Any) -> str:
    args: dict[str, Any] = dict(
        lsl=None, usl=None, target=None, mean=8.5, sd_overall=0.0, sd_within=None,
        unit="g", title="Fill mass", cpk=None, ppk=None,
    )  # fmt: skip
    args.update(kw)
    return spc_charts.capability_histogram(values, **args)


def _control(points: list[float], **kw: Any) -> str:
    args: dict[str, Any] = dict(
        centre=5.0, ucl=10.0, lcl=0.0, labels=[f"L{i}" for i in range(len(points))], flagged={},
        title="X chart", unit="g",
    )  # fmt: skip
    args.update(kw)
    return spc_charts.control_chart(points, **args)


def _refs(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in svg.iter() if cls in (el.get("class") or "").split()]


# -- histogram ---------------------------------------------------------------------------------------
def test_bins_follow_freedman_diaconis_held_to_8_to_30() -> None:
    # 1..16: quartiles (linear) 4.75 and 12.25, IQR 7.5; h = 2·7.5/16^(1/3) = 15/2.51984 = 5.953;
    # range 15 → ceil(2.52) = 3 bins, held up to 8; width 15/8 = 1.875, two values in each bin
    edges, counts = spc_charts.histogram_bins(ONE_TO_16, (0.0, 17.0))
    assert counts == [2] * 8 and edges[0] == 1.0 and edges[-1] == 16.0 and edges[1] == 2.875
    # 0..123 and 600 (n = 125): quartiles 31 and 93, IQR 62, h = 2·62/5 = 24.8; 600/24.8 = 24.19 → 25
    _, counts = spc_charts.histogram_bins([*range(124), 600], (0.0, 600.0))
    assert len(counts) == 25 and sum(counts) == 125
    # IQR 0 with a spread: the finest, 30 bins; all equal: one bar 1/30 of the axis wide
    assert len(spc_charts.histogram_bins([0.0] * 10 + [1.0], (0.0, 1.0))[1]) == 30
    edges, counts = spc_charts.histogram_bins([2.0, 2.0, 2.0], (0.5, 3.5))
    assert counts == [3] and edges == [1.95, 2.05]  # 3/30 = 0.1 wide around 2


def test_histogram_geometry_spec_lines_and_bars_out_of_spec() -> None:
    svg = ET.fromstring(_hist(ONE_TO_16, lsl=0.0, usl=17.0))
    # axis 0..17 widened by 4 % of 17 = 0.68 each side: −0.68..17.68 (18.36) over x 46..418 (372 px),
    # 20.2614 px per unit: LSL at 46 + 0.68·20.2614 = 59.78, USL at 46 + 17.68·20.2614 = 404.22
    assert _refs(svg, "lsl")[0].get("x1") == "59.78" and _refs(svg, "usl")[0].get("x1") == "404.22"
    assert _refs(svg, "lsl")[0].get("data-value") == "0" and _refs(svg, "usl")[0].get("data-value") == "17"
    # counts all 2, axis 0..3 (nice ticks of 0..2.2): a bar top at 162 − 130·2/3 = 75.33, 86.67 high;
    # the first starts at x(1) + 0.5 = 46 + 1.68·20.2614 + 0.5 = 80.54
    bars = _refs(svg, "bin")
    assert len(bars) == 8 and {b.get("y") for b in bars} == {"75.33"} and bars[0].get("height") == "86.67"
    assert bars[0].get("x") == "80.54"
    texts = [t.text for t in svg.iter("text")]
    assert "LSL 0" in texts and "USL 17" in texts
    # LSL 4, USL 13: bin middles 1.94, 3.81 (below 4) and 13.19, 15.06 (above 13) are out of spec
    svg = ET.fromstring(_hist(ONE_TO_16, lsl=4.0, usl=13.0, target=8.5))
    out = _refs(svg, "out")
    assert len(out) == 4 and {b.get("fill") for b in out} == {PALETTE["bad"]}
    assert {b.get("fill") for b in _refs(svg, "bin") if b not in out} == {PALETTE["measured"]}
    assert _refs(svg, "target")[0].get("stroke-dasharray") and "T 8.5" in [t.text for t in svg.iter("text")]


def test_histogram_normal_curves_and_caption() -> None:
    svg = ET.fromstring(_hist(ONE_TO_16, sd_overall=4.0, sd_within=3.0, cpk=1.234, ppk=1.1))
    overall, within = _refs(svg, "overall")[0], _refs(svg, "within")[0]
    assert within.get("stroke-dasharray") and not overall.get("stroke-dasharray")
    assert overall.get("d").count("L") == 80  # 81 samples
    # axis: 8.5 ± 3.5·4 = −5.5..22.5, widened by 4 % of 28 = 1.12: −6.62..23.62 (30.24), x(8.5) = 46 +
    # 15.12/30.24·372 = 232.  Peak count n·w/(sd·√(2π)) = 16·1.875/(4·2.50663) = 2.99207; within:
    # 30/(3·2.50663) = 3.98942; ticks of 0..4.388 by 2: 0, 2, 4, 6; 162 − 130·2.99207/6 = 97.17
    assert "232,97.17" in overall.get("d")
    caption = "n = 16 · mean 8.5 g · Cpk 1.23 · Ppk 1.1"
    assert caption in [t.text for t in svg.iter("text")]
    desc = svg.find("desc").text
    assert caption in desc and "SD overall 4, within 3" in desc and "8 bins" in desc
    assert "counts 2, 2, 2, 2, 2, 2, 2, 2" in desc


# -- control chart -----------------------------------------------------------------------------------
def test_control_chart_geometry_and_flagged_points() -> None:
    svg = ET.fromstring(_control([5.0, 10.0, 0.0, 5.0], flagged={1: [1], 2: [5, 1]}))
    # values 0..10 widened by 8 % of 10: −0.8..10.8 (11.6) over y 154..24: y(v) = 154 − 130·(v + 0.8)/11.6;
    # four slots of 326/4 = 81.5 px: x = 86.75, 168.25, 249.75, 331.25
    # y(5) = 154 − 65 = 89; y(10) = 154 − 121.03 = 32.97; y(0) = 154 − 8.97 = 145.03
    centres = [(c.get("cx"), c.get("cy")) for c in svg.iter("circle")]
    assert centres == [("86.75", "89"), ("168.25", "32.97"), ("249.75", "145.03"), ("331.25", "89")]
    fills = [c.get("fill") for c in svg.iter("circle")]
    assert fills == [PALETTE["measured"], PALETTE["bad"], PALETTE["bad"], PALETTE["measured"]]
    texts = [t.text for t in svg.iter("text")]
    assert "1" in texts and "1,5" in texts  # the rule numbers beside the flagged points, sorted
    assert _refs(svg, "centre")[0].get("y1") == "89" and _refs(svg, "ucl")[0].get("y1") == "32.97"
    assert _refs(svg, "series")[0].get("d") == "M86.75,89L168.25,32.97L249.75,145.03L331.25,89"
    tips = [c.find("title").text for c in svg.iter("circle")]
    assert tips[2] == "L2: 0 g (rules 1, 5)" and tips[0] == "L0: 5 g"
    assert "Flagged (run rules): L1 rules 1; L2 rules 1, 5" in svg.find("desc").text


def test_zone_lines_and_a_clamped_lcl() -> None:
    svg = ET.fromstring(_control([5.0, 10.0, 0.0, 5.0]))
    # σ = (10 − 5)/3: +1σ = 6.667 at 154 − 130·7.4667/11.6 = 70.32; −2σ = 1.667 at 154 − 130·2.4667/11.6 = 126.36
    assert _refs(svg, "zone-plus1")[0].get("y1") == "70.32"
    assert _refs(svg, "zone-minus2")[0].get("y1") == "126.36"
    assert len(_refs(svg, "zone")) == 4
    assert not _refs(ET.fromstring(_control([5.0, 6.0], zones=False)), "zone")
    # LCL 4 (clamped): 5 − 1.667 and 5 − 3.333 are below it, no lower zone lines
    svg = ET.fromstring(_control([5.0, 6.0], lcl=4.0))
    assert _refs(svg, "zone-plus2") and not _refs(svg, "zone-minus1") and not _refs(svg, "zone-minus2")


def test_per_point_limits_are_stepped() -> None:
    svg = ET.fromstring(_control([5.0, 10.0, 0.0, 5.0], ucl=[10.0, 10.0, 8.0, 8.0], zones=False))
    # slots 81.5 px from x 46: edges 46, 127.5, 209, 290.5, 372; y(10) = 32.97, y(8) = 154 − 130·8.8/11.6 = 55.38
    ucl = _refs(svg, "ucl")[0]
    assert ucl.tag == "path" and "stepped" in ucl.get("class")
    assert ucl.get("d") == "M46,32.97H127.5V32.97H209V55.38H290.5V55.38H372"
    assert _refs(svg, "lcl")[0].tag == "line"  # the same for every point: one straight line
    assert "limits per point (UCL / LCL): L0 10 / 0; L1 10 / 0; L2 8 / 0" in svg.find("desc").text


def test_many_lot_labels_are_thinned() -> None:
    svg = ET.fromstring(_control([5.0] * 100, labels=[f"LOT-{i:03d}" for i in range(100)]))
    # 326 px for 100 lots, a label every ceil(100·24/326) = ceil(7.36) = 8th: 0, 8, ..., 96 (13)
    shown = [t.text for t in svg.iter("text") if (t.text or "").startswith("LOT-")]
    assert shown == [f"LOT-{i:03d}" for i in range(0, 100, 8)]
    few = ET.fromstring(_control([5.0] * 5))
    assert [t.text for t in few.iter("text") if re.fullmatch(r"L\d", t.text or "")] == [
        "L0",
        "L1",
        "L2",
        "L3",
        "L4",
    ]


# -- both ---------------------------------------------------------------------------------------------
def test_hostile_labels_are_escaped_and_cleaned() -> None:
    hist = _hist(ONE_TO_16, unit=HOSTILE, title=HOSTILE, lsl=0.0)
    ctrl = _control([1.0, 2.0], labels=[HOSTILE, "L1"], unit=HOSTILE, title=HOSTILE, flagged={0: [2]})
    for out in (hist, ctrl):
        assert is_clean(out) and "<script" not in out and "<img" not in out and "</td>" not in out
        svg = ET.fromstring(out)  # well-formed: no markup got in
        assert {el.tag for el in svg.iter()} <= {
            "svg",
            "title",
            "desc",
            "rect",
            "line",
            "path",
            "text",
            "circle",
        }
        assert svg.find("title").text == clean(HOSTILE, oneline=True)
    lot = [t.text for t in ET.fromstring(ctrl).iter("text") if t.get("transform")][0]
    assert lot == clean(HOSTILE, oneline=True)[:9] + "…"  # a lot id shortened to 10 characters


def test_deterministic_and_self_contained() -> None:
    a = _hist(ONE_TO_16, sd_overall=4.0, sd_within=3.5, lsl=0.0, usl=17.0, target=8.5)
    b = _control([5.0, 7.0, 3.0], flagged={1: [1]}, ucl=[9.0, 9.0, 8.0])
    assert a == _hist(ONE_TO_16, sd_overall=4.0, sd_within=3.5, lsl=0.0, usl=17.0, target=8.5)
    assert b == _control([5.0, 7.0, 3.0], flagged={1: [1]}, ucl=[9.0, 9.0, 8.0])
    for out in (a, b):
        assert not re.search(r"href|url\(|https?:|<script|<image|<use|@import|xmlns:xlink", out, flags=re.I)
        svg = ET.fromstring(out)
        assert svg.get("role") == "img" and svg.find("title").text and svg.find("desc").text


def test_degenerate_inputs_render() -> None:
    for out in (
        _hist([]),
        _hist([float("nan")]),
        _hist([3.0], mean=3.0),
        _hist([2.0] * 20, mean=2.0, sd_overall=0.0),  # all equal, no spec limits
        _hist([1.0, 2.0], mean=float("nan"), sd_overall=float("inf"), cpk=float("nan")),
        _control([]),
        _control([float("nan"), None]),  # type: ignore[list-item]
        _control([4.0]),  # one point
        _control([4.0, 4.0, 4.0], centre=4.0, ucl=4.0, lcl=4.0),  # all equal
        _control([1.0, 2.0], centre=float("nan"), ucl=[None, 3.0], lcl=None, labels=[]),  # type: ignore[arg-type]
        _control([1.0, None, 3.0], flagged={7: [1], -1: [2], 1: []}),  # type: ignore[list-item]
    ):
        svg = ET.fromstring(out)
        assert svg.find("desc").text and not re.search(r"\b(nan|inf)\b", out, flags=re.I)
    assert "no measurement to draw" in _hist([])
    one = ET.fromstring(_control([4.0]))
    assert [c.get("cx") for c in one.iter("circle")] == ["209"]  # one slot: the middle of 46..372


# -- the dossier section ------------------------------------------------------------------------------
def _quality(hostile: bool = False) -> list[dict[str, Any]]:
    text = HOSTILE if hostile else None
    return [
        {
            "step_title": text or "Electrolyte filling", "characteristic_title": text or "Fill mass",
            "unit": text or "g", "n": 125, "mean": 5.2, "cpk": 1.456, "cpk_ci": (1.25, 1.66),
            "ppk": 1.39, "ppk_ci": "1.2–1.6", "lsl": 5.1, "usl": 5.3, "out_of_spec": 0.008,
            "out_of_control_rules": [text or "rule 1: one point beyond 3σ (lot L7)"], "show_charts": True,
            "histogram_svg": _hist(ONE_TO_16, title=text or "Fill mass"),
            "control_svg": _control([5.0, 6.0], labels=[text or "L1", "L2"]),
            "limitation": text or "Two lots with fewer than 5 cells are left out.",
        }
    ]  # fmt: skip


def _render(markdown: bool, quality: list[dict[str, Any]]) -> str:
    env = environment(markdown=markdown)
    ctx = build_context(sample_result(), command="x", html=not markdown)
    ctx["quality"] = quality
    if markdown:
        return env.get_template("dossier.md.j2").render(**ctx)
    ctx = mark_safe(ctx)
    for q in ctx["quality"]:  # as the other charts: built and escaped by the chart module, marked safe
        q["histogram_svg"], q["control_svg"] = Markup(q["histogram_svg"]), Markup(q["control_svg"])
    return env.get_template("dossier.html.j2").render(**ctx)


def test_the_section_appears_only_with_quality_data(monkeypatch: Any) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    result = sample_result()
    html, md = render_html(result, command="x"), render_markdown(result, command="x")
    assert "Quality of the production steps" not in html + md
    assert "Quality of the production steps" not in _render(False, []) + _render(True, [])
    html, md = _render(False, _quality()), _render(True, _quality())
    assert (
        html.count('<svg class="chart spc-hist"') == 1 and html.count('<svg class="chart spc-control"') == 1
    )
    assert 'href="#quality"' in html and 'id="quality"' in html
    assert "1.25–1.66" in html and "1.2–1.6" in html and "0.8 %" in html and "lot L7" in html
    assert "## 6. Quality of the production steps" in md  # no network section: 6
    assert "| Electrolyte filling | Fill mass | g | 125 | 5.2 | 5.1 | 5.3 | **1.46** (1.25–1.66) |" in md
    assert "<svg" not in md


def test_the_section_escapes_hostile_text() -> None:
    html, md = _render(False, _quality(hostile=True)), _render(True, _quality(hostile=True))
    assert is_clean(html) and is_clean(md)
    assert "<script>" not in html and "<img" not in html
    assert not re.search(r"(?<!\\)<(script|img|svg)", md)  # only as escaped text: \<script>
    assert "&lt;script&gt;" in html and "\\<script>" in md
