"""Round robins in the seal (issue 14, item 2): the ``roundrobin.<measurand>.abs_z|flag`` metrics fed
by ``assess --roundrobin RESULT.json``, in the draft pack ``criteria/drafts/liplanet-rr-draft.yaml``
(RR-CAPACITY-Z: |z| <= 2).  RESULT.json is written by hand here in the form of
``RoundRobinResult.to_dict()`` (``liplanet_cert/roundrobin/model.py``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES, REPO
from typer.testing import CliRunner

from liplanet_cert import catalogue
from liplanet_cert.cli.main import app
from liplanet_cert.criteria.pack import lint, shipped_packs

runner = CliRunner()
BUNDLE = str(EXAMPLES / "approved")
LINE = "Nordwerk Pouch Pilot Line"  # the approved example's pilot_line.name
DRAFT = REPO / "criteria" / "drafts" / "liplanet-rr-draft.yaml"


def participant(code: str, value: float, z: float | None, flag: str, **extra: Any) -> dict[str, Any]:
    return {
        "participant": code,
        "value": value,
        "uncertainty": None,
        "replicates": 1,
        "z": z,
        "z_prime": None,
        "zeta": None,
        "En": None,
        "flag": flag,
        **extra,
    }


def rr_result(participants: list[dict[str, Any]], pseudonymised: bool = True, **measurand: Any) -> dict:
    # assigned value 2.00 Ah, sigma_pt 0.05 Ah: z = (x - 2.00) / 0.05
    return {
        "schema_version": "1.0",
        "tool": {"name": "liplanet-cert"},
        "protocol": {
            "id": "rr-1",
            "version": "1",
            "round_id": "R1",
            "reference_design": "NMC622",
            "source": "",
        },
        "pseudonymised": pseudonymised,
        "measurands": [
            {
                "measurand": "capacity",
                "unit": "Ah",
                "n": len(participants),
                "assigned_value": 2.0,
                "u_assigned_value": 0.01,
                "sigma_pt": 0.05,
                "method": "fixed",
                "participants": participants,
                "limitations": [],
                **measurand,
            }
        ],
    }


PARTICIPANTS = [
    participant("P1", 2.06, 1.2, "satisfactory"),  # (2.06 - 2.00) / 0.05 = 1.2
    participant("P2", 1.875, -2.5, "questionable"),  # (1.875 - 2.00) / 0.05 = -2.5
    participant("P3", 2.0, 0.0, "satisfactory"),
]


def write(tmp_path: Path, doc: Any, name: str = "rr.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def assess(*args: str) -> tuple[int, Any, str]:
    r = runner.invoke(app, ["assess", BUNDLE, "--criteria", str(DRAFT), "--no-footprint", *args])
    try:
        doc = json.loads(r.stdout) if "--format" in args else None
    except ValueError:
        doc = None
    return r.exit_code, doc, r.output


def finding(doc: dict) -> dict:
    (f,) = [f for f in doc["findings"] if f["id"] == "RR-CAPACITY-Z"]
    return f


def test_satisfactory_line_passes_and_the_file_is_recorded(tmp_path: Path) -> None:
    rr = write(tmp_path, rr_result(PARTICIPANTS))
    code, doc, out = assess("--roundrobin", str(rr), "--roundrobin-participant", "P1", "--format", "json")
    assert code == 0, out
    f = finding(doc)
    assert f["status"] == "pass"
    assert f["measured"] == [{"metric": "roundrobin.capacity.abs_z", "value": 1.2, "unit": "dimensionless"}]
    assert f["actual"] == "|z| = 1.20 (participant P1: z = +1.20, satisfactory)"
    assert f["location"] == f"{rr}#/measurands/0/participants/0"
    data = rr.read_bytes()
    recorded = [i for i in doc["inputs"] if i["path"] == f"--roundrobin:{rr}"]
    assert recorded == [
        {"path": f"--roundrobin:{rr}", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    ]
    assert doc["criteria"]["status"] == "draft" and doc["what_if"]  # a draft: never a certification verdict


def test_questionable_line_fails(tmp_path: Path) -> None:
    rr = write(tmp_path, rr_result(PARTICIPANTS))
    code, doc, out = assess("--roundrobin", str(rr), "--roundrobin-participant", "P2", "--format", "json")
    assert code == 1, out  # RR-CAPACITY-Z is required: |z| = 2.5 > 2
    f = finding(doc)
    assert f["status"] == "fail"
    assert f["measured"][0]["value"] == 2.5
    assert doc["verdict"] == "not_approved"


def test_revealed_result_finds_the_line_by_its_name(tmp_path: Path) -> None:
    people = [
        participant(LINE, 2.06, 1.2, "satisfactory"),
        participant("Other line", 1.9, -2.0, "satisfactory"),
    ]
    rr = write(tmp_path, rr_result(people, pseudonymised=False))
    code, doc, out = assess("--roundrobin", str(rr), "--format", "json")
    assert code == 0, out
    assert finding(doc)["status"] == "pass"


def test_flag_given_on_z_prime_is_scored_on_z_prime(tmp_path: Path) -> None:
    # z = 1.8 (satisfactory) but the round flagged on z' = 2.2 (questionable): |z'| = 2.2 > 2
    people = [participant("P1", 2.09, 1.8, "questionable", z_prime=2.2, flag_score="z_prime")]
    rr = write(tmp_path, rr_result(people))
    code, doc, _ = assess("--roundrobin", str(rr), "--roundrobin-participant", "P1", "--format", "json")
    assert code == 1
    assert finding(doc)["measured"][0]["value"] == 2.2
    assert finding(doc)["actual"].startswith("|z′| = 2.20")


def test_without_roundrobin_the_criterion_is_an_error_not_a_pass() -> None:
    code, doc, _ = assess("--format", "json")
    assert code == 1
    f = finding(doc)
    assert f["status"] == "error"
    assert "no round-robin result given (assess --roundrobin RESULT.json)" in f["message"]


def test_a_line_without_a_z_score_is_an_error(tmp_path: Path) -> None:
    people = [participant("P1", 2.0, None, "satisfactory"), participant("P2", 2.0, None, "satisfactory")]
    rr = write(tmp_path, rr_result(people, limitations=["all values equal: sigma_pt is 0"]))
    code, doc, _ = assess("--roundrobin", str(rr), "--roundrobin-participant", "P1", "--format", "json")
    assert code == 1
    assert finding(doc)["status"] == "error"
    assert "all values equal: sigma_pt is 0" in finding(doc)["message"]


@pytest.mark.parametrize(
    ("args", "doc", "words"),
    [
        (
            [],
            rr_result(PARTICIPANTS),
            ["#/pseudonymised", "--roundrobin-participant CODE (one of P1, P2, P3)"],
        ),
        (
            ["--roundrobin-participant", "P9"],
            rr_result(PARTICIPANTS),
            ["not among the round's participants", "P9"],
        ),
        ([], rr_result([participant("Someone else", 2.0, 0.0, "satisfactory")], False), [LINE]),
        # checked against the published schema (liplanet-cert schema roundrobin-result) first
        (["--roundrobin-participant", "P1"], {"measurands": []}, ["'pseudonymised' is required"]),
        (
            ["--roundrobin-participant", "P1"],
            rr_result([participant("P1", 2.0, "big", "satisfactory")]),
            ["#/measurands/0/participants/0/z", "'big' is not of type 'number', 'null'"],
        ),
        (
            ["--roundrobin-participant", "P1"],
            rr_result([participant("P1", 2.0, 0.0, "fine")]),
            ["#/measurands/0/participants/0/flag", "satisfactory, questionable, unsatisfactory"],
        ),
        (["--roundrobin-participant", "P1"], [1, 2], ["not a round-robin result"]),
    ],
)
def test_an_unidentified_line_or_a_bad_file_is_a_located_error(
    tmp_path: Path, args: list[str], doc: Any, words: list[str]
) -> None:
    rr = write(tmp_path, doc)
    code, _, out = assess("--roundrobin", str(rr), *args)
    assert code == 2, out
    assert str(rr) in out
    for w in words:
        assert w in " ".join(out.split()), out


def test_not_a_regular_file_and_not_json(tmp_path: Path) -> None:
    code, _, out = assess("--roundrobin", str(tmp_path), "--roundrobin-participant", "P1")
    assert code == 2 and "round-robin result" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"pseudonymised": true, "pseudonymised": false}', encoding="utf-8")
    code, _, out = assess("--roundrobin", str(bad), "--roundrobin-participant", "P1")
    assert code == 2 and "duplicate key" in out


def test_participant_code_needs_a_result() -> None:
    code, _, out = assess("--roundrobin-participant", "P1")
    assert code == 2 and "--roundrobin-participant needs --roundrobin" in out


def test_the_draft_pack_is_never_selected_on_its_own() -> None:
    assert "liplanet-rr-draft" not in {p.id for p in shipped_packs()}


def test_metric_family_in_the_catalogue_and_in_pack_lint() -> None:
    s = catalogue.spec("roundrobin.internal_resistance.abs_z")
    assert s is not None and s.kind == "quantity" and s.source == "roundrobin"
    assert catalogue.spec("roundrobin.capacity.flag").kind == "enum"
    assert catalogue.spec("roundrobin.capacity.zscore") is None
    doc = {
        "id": "p",
        "version": "1.0.0",
        "title": "t",
        "valid_from": "2026-01-01",
        "criteria": [
            {
                "id": "RR-X",
                "title": "t",
                "category": "quality",
                "severity": "required",
                "check": {"metric": "roundrobin.capacity.abs_zz", "op": "<=", "value": 2},
                "source": {"ref": "r"},
            }
        ],
    }
    (p,) = lint(doc, "p.yaml")
    assert p.message == "unknown metric" and "did you mean roundrobin.capacity.abs_z?" in p.expected
    doc["criteria"][0]["check"] = {
        "metric": "roundrobin.capacity.flag",
        "op": "in",
        "value": ["satisfactory"],
    }
    assert lint(doc, "p.yaml") == []


def test_verify_re_applies_the_round_robin_result_and_sees_it_change(tmp_path: Path) -> None:
    rr = write(tmp_path, rr_result(PARTICIPANTS))
    code, doc, out = assess("--roundrobin", str(rr), "--roundrobin-participant", "P1", "--format", "json")
    assert code == 0, out
    assert doc["roundrobin"] == {"file": str(rr), "sha256": doc["roundrobin"]["sha256"], "participant": "P1"}
    stored = tmp_path / "result.json"
    stored.write_text(json.dumps(doc), encoding="utf-8")
    ok = runner.invoke(app, ["verify", str(stored), BUNDLE, "--criteria", str(DRAFT)])
    assert ok.exit_code == 0, ok.output
    # P1 now scored 2.5 in the file: the input changed and the finding with it
    changed = [participant("P1", 2.125, 2.5, "questionable"), *PARTICIPANTS[1:]]
    write(tmp_path, rr_result(changed))
    bad = runner.invoke(app, ["verify", str(stored), BUNDLE, "--criteria", str(DRAFT)])
    assert bad.exit_code == 1
    assert "--roundrobin:" in bad.output and "RR-CAPACITY-Z" in bad.output
