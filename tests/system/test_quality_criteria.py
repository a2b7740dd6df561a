"""Capability and stability criteria (draft pack liplanet-2026@2.3.0-draft.1) on the example bundles
and on edited copies: a capable but drifting step fails, too few measurements or no limits are
``error`` (never a pass)."""

from __future__ import annotations

import csv
import io

from helpers import REPO

from liplanet_cert.assessment.core import assess

DRAFT = str(REPO / "criteria" / "drafts" / "liplanet-2026-2.3.0-draft.yaml")
AT = "2026-12-01"


def _finding(result, fid: str):
    return next(f for f in result.findings if f.id == fid)


def test_the_approved_example_is_capable_and_stable(brightway_dir) -> None:
    r = assess(REPO / "examples" / "bundles" / "approved", criteria=DRAFT, at=AT, bw_dir=brightway_dir)
    quality = [f for f in r.findings if f.id.startswith(("QUAL-CPK", "QUAL-STABLE"))]
    assert len(quality) == 8 and all(f.status.value == "pass" for f in quality)
    assert r.verdict.value == "approved"


def test_a_capable_step_that_drifts_fails_stability_not_capability() -> None:
    r = assess(REPO / "examples" / "bundles" / "not-approved", criteria=DRAFT, at=AT, footprint=False)
    assert _finding(r, "QUAL-CPK-FILL-MASS").status.value == "pass"
    stable = _finding(r, "QUAL-STABLE-FILL-MASS")
    assert stable.status.value == "fail" and stable.lots  # the lots that break a run rule
    assert "break a Western Electric run rule" in stable.actual


def test_too_few_measurements_is_an_error_naming_n(make_bundle) -> None:
    b = make_bundle("approved")
    log = b.path / "quality_log.csv"
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8"))))
    density = [r for r in rows if r["characteristic"] == "density"][:12]
    kept = [r for r in rows if r["characteristic"] != "density"] + density
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(kept)
    log.write_text(buf.getvalue(), encoding="utf-8")
    r = assess(b.path, criteria=DRAFT, at=AT, footprint=False)
    f = _finding(r, "QUAL-CPK-CALENDERING-DENSITY")
    assert f.status.value == "error"
    assert "too few measurements: n = 12, need ≥ 25" in f.message


def test_no_specification_limits_is_an_error(make_bundle) -> None:
    b = make_bundle("approved")
    decl = b.path / "declaration.yaml"
    text = decl.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "characteristic: density" in x)
    decl.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    r = assess(b.path, criteria=DRAFT, at=AT, footprint=False)
    f = _finding(r, "QUAL-CPK-CALENDERING-DENSITY")
    assert f.status.value == "error" and "no specification limits for density at calendering" in f.message
    # stability needs no limits
    assert _finding(r, "QUAL-STABLE-CALENDERING-DENSITY").status.value == "pass"


def test_no_quality_log_is_an_error_not_a_pass(make_bundle) -> None:
    b = make_bundle("approved")
    (b.path / "quality_log.csv").unlink()
    decl = b.path / "declaration.yaml"
    text = decl.read_text(encoding="utf-8")
    decl.write_text(
        text.split("quality_specs:")[0] + "passport:" + text.split("passport:")[1], encoding="utf-8"
    )
    r = assess(b.path, criteria=DRAFT, at=AT, footprint=False)
    f = _finding(r, "QUAL-STABLE-FILL-MASS")
    assert f.status.value == "error" and "no quality log" in f.message


def test_the_dossier_charts_only_what_needs_attention(tmp_path) -> None:
    from liplanet_cert.dossier.render import render_html

    ok = assess(REPO / "examples" / "bundles" / "approved", criteria=DRAFT, at=AT, footprint=False)
    bad = assess(REPO / "examples" / "bundles" / "not-approved", criteria=DRAFT, at=AT, footprint=False)
    assert len(ok.quality) == 4 and len(bad.quality) == 4  # one row per (step, characteristic)
    ok_html, bad_html = render_html(ok, command="t"), render_html(bad, command="t")
    assert 'id="quality"' in ok_html and 'class="keep quality-item"' not in ok_html  # table only
    assert bad_html.count('class="keep quality-item"') == 1  # the drifting fill mass
    assert "Electrolyte fill mass" in bad_html.split('class="keep quality-item"')[1][:400]


def test_a_lot_with_one_value_or_a_single_measurement_is_no_crash(make_bundle) -> None:
    """A control chart by lot needs 2 values in every lot (else an individuals chart), and any chart
    2 values in all: a single density measurement is an ``error`` finding, not an internal error."""
    b = make_bundle("approved")
    log = b.path / "quality_log.csv"
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8"))))
    density = [r for r in rows if r["characteristic"] == "density"][:1]
    fill_l03 = [r for r in rows if r["characteristic"] == "fill_mass" and r["lot_id"] == "L03"]
    kept = [r for r in rows if r["characteristic"] != "density" and r not in fill_l03[1:]] + density
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(kept)
    log.write_text(buf.getvalue(), encoding="utf-8")
    r = assess(b.path, criteria=DRAFT, at=AT, footprint=False)
    stable = _finding(r, "QUAL-STABLE-CALENDERING-DENSITY")
    assert stable.status.value == "error"
    assert "too few measurements for a control chart: n = 1, need ≥ 2" in stable.message
    # L03 now holds one fill-mass value: an individuals chart of the 106 values (22 x 5 - 4)
    fill = next(q for q in r.quality if q["characteristic"] == "fill_mass")
    assert fill["n"] == 106 and fill["chart"]["kind"] == "I-MR" and len(fill["chart"]["points"]) == 106
