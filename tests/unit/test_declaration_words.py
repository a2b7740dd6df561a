"""The declaration is read as the line meant it, or refused with words that say how to fix it."""

from __future__ import annotations

import pytest
from helpers import squash

from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.errors import BundleError


def _refused(make_bundle, old: str, new: str) -> str:
    b = make_bundle("approved")
    text = b.read("declaration.yaml")
    assert old in text
    b.write("declaration.yaml", text.replace(old, new))
    with pytest.raises(BundleError) as e:
        load_bundle(b.path)
    return squash("; ".join(str(p) for p in e.value.problems))


def test_a_quantity_written_as_a_bare_number_is_told_its_unit(make_bundle):
    err = _refused(make_bundle, 'electrode_throughput: "60.5 m/day"', "electrode_throughput: 60.5")
    assert "#/kpis/electrode_throughput" in err and "a quantity needs its unit" in err
    assert '"60.5 m/day"' in err


def test_a_unit_in_the_wrong_case_is_never_read_as_another_unit(make_bundle):
    err = _refused(make_bundle, 'nominal_capacity: "5 Ah"', 'nominal_capacity: "5 ah"')
    assert "#/cell/nominal_capacity" in err and "case-sensitive" in err and "5 Ah" in err


def test_a_misspelt_step_is_told_the_known_one(make_bundle):
    err = _refused(make_bundle, "step: calendering", "step: calendring")
    assert "#/steps/2/step: value not allowed (did you mean calendering?)" in err


def test_a_misspelt_kpi_is_told_the_known_one(make_bundle):
    err = _refused(make_bundle, "  scrap_rate: ", "  scrap_rat: ")
    assert "unknown field: 'scrap_rat' (did you mean scrap_rate?)" in err


def test_a_misspelt_metric_in_a_pack_is_told_the_known_one(tmp_path):
    from liplanet_cert.criteria.pack import parse_pack_file

    pack = tmp_path / "draft.yaml"
    pack.write_text(
        """id: draft
version: 0.1.0
title: Draft
status: draft
valid_from: "2026-01-01"
criteria:
  - id: X-1
    title: Scrap
    category: scrap
    severity: required
    check: {metric: kpi.scrap_rat, op: "<", value: "10 %"}
    source: {kind: proposal, ref: "test", rationale: "test"}
""",
        encoding="utf-8",
    )
    _doc, problems = parse_pack_file(pack)
    assert any(
        p.message == "unknown metric" and "did you mean kpi.scrap_rate?" in p.expected for p in problems
    )


def test_a_column_unit_in_the_wrong_case_is_told_the_right_spelling(make_bundle):
    b = make_bundle("approved")
    text = b.read("eol_tests.csv")
    b.write("eol_tests.csv", text.replace("capacity [Ah]", "capacity [ah]", 1))
    with pytest.raises(BundleError) as e:
        load_bundle(b.path)
    err = squash("; ".join(str(p) for p in e.value.problems))
    assert "column capacity: column unit: 'ah' is not 'Ah': unit symbols are case-sensitive" in err


def test_a_value_in_angle_brackets_is_a_value_not_a_placeholder(make_bundle):
    # only "<fill in: ...>" (what liplanet-cert init writes) is a placeholder; a line may be called "</td>"
    b = make_bundle("approved")
    text = b.read("declaration.yaml")
    b.write("declaration.yaml", text.replace("name: Nordwerk Pouch Pilot Line", 'name: "</td>"', 1))
    assert load_bundle(b.path).pilot_line["name"] == "</td>"
