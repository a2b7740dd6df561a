"""The footprint stays typed from the LCA to the reporters: a result holds an
``lca.FootprintResult``, its JSON is that footprint's ``to_dict()``, and a stored result's footprint
reads back as the same typed object (what the JSON does not record is ``None``, never a number)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liplanet_cert.assessment.core import AssessOptions, assess
from liplanet_cert.assessment.footprint import footprint_of
from liplanet_cert.assessment.result import Result
from liplanet_cert.infra.resources import example_bundle
from liplanet_cert.lca.types import FootprintResult, StepResult


@pytest.fixture(scope="module")
def footprint(brightway_dir: Path) -> FootprintResult:
    return footprint_of(example_bundle("approved"), bw_dir=brightway_dir)


@pytest.fixture(scope="module")
def result(brightway_dir: Path) -> Result:
    # the pack of 2026-11 tests the footprint (footprint.* criteria)
    options = AssessOptions(criteria="liplanet-2026@2.1.0", at="2026-11-30", bw_dir=brightway_dir)
    return assess(example_bundle("approved"), options)


def test_a_footprint_reads_back_what_it_wrote(footprint):
    doc = footprint.to_dict()
    assert FootprintResult.from_dict(doc).to_dict() == doc
    stored = json.loads(json.dumps(doc))  # as an earlier run stored it
    assert FootprintResult.from_dict(stored).to_dict() == doc


def test_with_uncertainty_and_a_scenario(brightway_dir):
    fp = footprint_of(
        example_bundle("approved"),
        scenario="renewable-electricity",
        uncertainty=30,
        seed=3,
        bw_dir=brightway_dir,
    )
    doc = json.loads(json.dumps(fp.to_dict()))
    assert "uncertainty" in doc and "scenario" in doc
    assert FootprintResult.from_dict(doc).to_dict() == doc


def test_what_the_json_does_not_record_is_not_made_up(footprint):
    back = FootprintResult.from_dict(footprint.to_dict())
    assert footprint.engine == "fast" and back.engine is None
    assert all(s.kg_co2e is not None and s.primary_kg_co2e is not None for s in footprint.steps)
    assert all(s.kg_co2e is None and s.primary_kg_co2e is None for s in back.steps)
    # everything the JSON does record is the same value
    for old, new in zip(footprint.steps, back.steps, strict=True):
        assert (new.step, new.kg_co2e_per_cell, new.kg_co2e_per_kwh, new.share, new.data_source) == (
            old.step,
            old.kg_co2e_per_cell,
            old.kg_co2e_per_kwh,
            old.share,
            old.data_source,
        )
    assert (back.total_kg_co2e, back.total_per_cell, back.total_per_kwh, back.primary_data_share) == (
        footprint.total_kg_co2e,
        footprint.total_per_cell,
        footprint.total_per_kwh,
        footprint.primary_data_share,
    )
    assert back.method == footprint.method and back.model == footprint.model


def test_a_step_reads_back_what_it_wrote(footprint):
    for s in footprint.steps:
        assert StepResult.from_dict(s.to_dict()).to_dict() == s.to_dict()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("total"),
        lambda d: d.update(total=[1.0]),
        lambda d: d.update(model="x"),
        lambda d: d.update(steps="mixing"),
        lambda d: d.update(steps=["mixing"]),
        lambda d: d["steps"][0].update(share=True),
        lambda d: d["steps"][0].update(kg_co2e_per_cell="0.1"),
        lambda d: d["steps"][0].update(contributions={"heat": None}),
        lambda d: d.update(sources=["a citation"]),
        lambda d: d.update(uncertainty=[]),
        lambda d: d["total"].pop("kg_co2e"),
    ],
)
def test_a_footprint_of_another_shape_is_refused_as_data(footprint, change):
    """KeyError or TypeError (what readers of stored results catch), never AttributeError."""
    doc = json.loads(json.dumps(footprint.to_dict()))
    change(doc)
    with pytest.raises((KeyError, TypeError)):
        FootprintResult.from_dict(doc)


def test_a_result_holds_the_typed_footprint(result):
    assert isinstance(result.footprint, FootprintResult)
    doc = result.to_dict()
    assert doc["footprint"] == result.footprint.to_dict()
    back = Result.from_dict(json.loads(json.dumps(doc)))
    assert isinstance(back.footprint, FootprintResult)
    assert back.to_dict() == doc


def test_a_result_without_footprint_reads_back_without(result):
    doc = result.to_dict()
    doc["footprint"] = None
    assert Result.from_dict(doc).footprint is None


def test_footprint_criteria_read_the_typed_footprint(result):
    measured = {m.metric: m.value for f in result.findings for m in f.measured}
    # both criteria read the main-production (gate-to-gate) stage, not the cradle-to-gate total
    main = result.footprint.stage("main_production")
    assert measured["footprint.kg_co2e_per_kwh"] == pytest.approx(main.kg_co2e_per_kwh)
    assert measured["footprint.primary_share_main_production"] == pytest.approx(main.primary_data_share * 100)
