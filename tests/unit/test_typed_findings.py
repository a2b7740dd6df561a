"""Findings carry their thresholds and measured values as data (result format 1.1), and results of
format 1.0 still load.  Expected values come from the pack and declaration files, read by hand."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from helpers import REPO

from liplanet_cert.assessment.core import assess
from liplanet_cert.assessment.result import Measured, Result, Threshold

APPROVED = REPO / "examples" / "bundles" / "approved"
PACK = REPO / "criteria" / "liplanet-2026-2.1.0.yaml"
SCHEMA = json.loads((REPO / "liplanet_cert" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result() -> Result:
    return assess(APPROVED, criteria=str(PACK), at="2026-11-30", footprint=False)


def by_id(result: Result, cid: str):
    return next(f for f in result.findings if f.id == cid)


def test_a_quantity_check_carries_its_limit_and_value_with_units(result):
    # pack: ELIG-CELL-SIZE check {metric: cell.nominal_capacity, op: ">=", value: "1 Ah"};
    # declaration: nominal_capacity "5 Ah"
    f = by_id(result, "ELIG-CELL-SIZE")
    assert f.thresholds == [Threshold("cell.nominal_capacity", ">=", 1.0, "Ah", "check")]
    assert f.measured == [Measured("cell.nominal_capacity", 5.0, "Ah")]


def test_the_applicability_condition_is_a_threshold_of_its_own_role(result):
    # pack: ELIG-CELL-OUTPUT-SMALL applies_if cell.nominal_capacity < 10 Ah, check cell_throughput >= 20 cell/day
    f = by_id(result, "ELIG-CELL-OUTPUT-SMALL")
    assert [(t.metric, t.op, t.value, t.unit, t.role) for t in f.thresholds] == [
        ("cell.nominal_capacity", "<", 10.0, "Ah", "applies_if"),
        ("kpi.cell_throughput", ">=", 20.0, "cell/day", "check"),
    ]
    assert f.measured[0] == Measured("cell.nominal_capacity", 5.0, "Ah")
    assert f.measured[1].metric == "kpi.cell_throughput" and f.measured[1].unit == "cell/day"


def test_rates_are_in_percent_never_fractions(result):
    f = by_id(result, "KPI-SCRAP-OVERALL")  # pack: kpi.scrap_rate < 10 %
    assert f.thresholds[0].value == 10.0 and f.thresholds[0].unit == "percent"
    assert f.measured[0].unit == "percent" and 1 < f.measured[0].value < 10  # 7.7 % declared


def test_non_quantities_have_no_unit(result):
    f = by_id(result, "ELIG-AUTO-ELECTRODE")  # step.coating_and_drying.automation >= semi-automatic
    assert f.thresholds[0].value == "semi-automatic" and f.thresholds[0].unit is None
    assert f.measured[0].value == "automatic"


def test_a_consistency_check_states_its_tolerance_and_both_values(result):
    # pack: CONS-CAPACITY-MEAN: declared capacity_mean within 2 % (relative) of the logs; declared 5.03 Ah
    f = by_id(result, "CONS-CAPACITY-MEAN")
    assert f.thresholds == [Threshold("declared.capacity_mean", "within", 2.0, "percent", "check", True)]
    assert f.measured[0] == Measured("declared.capacity_mean", 5.03, "Ah")
    assert f.measured[1].metric == "kpi.capacity_mean" and f.measured[1].unit == "Ah"


def test_the_json_form_validates_and_round_trips(result):
    doc = result.to_dict()
    assert doc["schema_version"] == "1.2"
    jsonschema.validate(doc, SCHEMA)
    assert Result.from_dict(json.loads(json.dumps(doc))).to_dict() == doc


def test_a_result_of_format_1_0_still_loads(result):
    old = copy.deepcopy(result.to_dict())
    old["schema_version"] = "1.0"
    for f in old["findings"]:
        del f["thresholds"], f["measured"]
    jsonschema.validate(old, SCHEMA)
    loaded = Result.from_dict(old)
    assert all(f.thresholds == [] and f.measured == [] for f in loaded.findings)
    assert [f.status for f in loaded.findings] == [f.status for f in result.findings]
