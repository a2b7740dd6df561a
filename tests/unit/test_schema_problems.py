"""The fast validator (jsonschema-rs) and the reference one (jsonschema) agree on what is valid:
a document is accepted without problems exactly when the reference finds no error in it."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import EXAMPLES
from jsonschema import Draft202012Validator

from liplanet_cert.assessment.core import assess
from liplanet_cert.infra.resources import load_schema
from liplanet_cert.infra.schema_problems import _quickly_valid, schema_problems
from liplanet_cert.integrity.stored import _assessed_schema


@pytest.fixture(scope="module")
def result() -> dict:
    return json.loads(json.dumps(assess(EXAMPLES / "approved", at="2026-11-30", footprint=False).to_dict()))


def _mutations(doc: dict) -> list[dict]:
    out = []
    for change in (
        lambda d: d.update(verdict="maybe"),
        lambda d: d.update(assessed_on="2026-13-40"),
        lambda d: d.pop("findings"),
        lambda d: d["findings"][0].update(status="passed"),
        lambda d: d["findings"][0]["thresholds"][0].update(op="~"),
        lambda d: d["findings"][0]["thresholds"][0].update(extra=1),
        lambda d: d["findings"][1]["measured"][0].pop("unit"),
        lambda d: d["findings"][2].update(lots="L1"),
        lambda d: d["kpis"].update(scrap_rate="7.7 %"),
        lambda d: d.update(schema_version="9.9"),
        lambda d: d["criteria"].pop("sha256"),
    ):
        d = copy.deepcopy(doc)
        change(d)
        out.append(d)
    return out


def test_both_validators_agree_on_results(result):
    schema = _assessed_schema()
    reference = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for doc in [result, *_mutations(result)]:
        assert _quickly_valid(schema, doc) == reference.is_valid(doc)
        assert (schema_problems("r.json", doc, schema) == []) == reference.is_valid(doc)


def test_a_document_json_has_no_type_for_goes_to_the_reference_validator():
    schema = load_schema("waivers")
    problems = schema_problems("w.yaml", {"waivers": [{"id": b"binary"}]}, schema)
    assert problems and all(p.file == "w.yaml" for p in problems)


def test_a_text_that_is_not_utf8_goes_to_the_reference_validator():
    # a bundle folder whose name is not UTF-8 reaches results as a lone surrogate (os.fsdecode)
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert schema_problems("x.json", {"a": "lat\udcfcn"}, schema) == []
    assert schema_problems("x.json", {"a": 1}, schema) != []
