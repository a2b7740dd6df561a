"""Criteria packs: loading, canonical hash, selection (id, id@version, path, date) and the lint."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import REPO

from liplanet_cert.criteria import pack as criteria
from liplanet_cert.criteria.pack import lint, load_pack, parse_pack_file, shipped_packs
from liplanet_cert.criteria.select import parse_at, select_pack, shipped_pack_by_sha256
from liplanet_cert.errors import CriteriaError, UsageError
from liplanet_cert.infra import safeyaml

PACK_2023 = REPO / "criteria" / "liplanet-2023-1.0.0.yaml"


def draft(
    pack_id: str = "draft-pack",
    version: str = "0.1.0",
    valid_from: str = "2026-01-01",
    valid_until: str | None = None,
    criteria_items: list | None = None,
) -> dict:
    """A small valid pack; tests break one thing at a time."""
    return {
        "id": pack_id,
        "version": version,
        "title": f"{pack_id} {version}",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "criteria": criteria_items
        or [
            {
                "id": "T-SCRAP",
                "title": "Scrap below 10 %",
                "category": "scrap",
                "severity": "required",
                "check": {"metric": "kpi.scrap_rate", "op": "<", "value": "10 %"},
                "source": {"kind": "roadmap", "ref": "test"},
            },
            {
                "id": "T-ELECTRODE",
                "title": "Electrode output",
                "category": "throughput",
                "severity": "required",
                "any_of": [
                    {"metric": "kpi.electrode_throughput", "op": ">=", "value": "2 m/day"},
                    {"metric": "kpi.electrode_per_batch", "op": ">=", "value": "2 m/batch"},
                ],
                "source": {"kind": "roadmap", "ref": "test"},
            },
        ],
    }


def write_pack(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


# -- shipped packs -------------------------------------------------------------------------
def test_shipped_packs_load_and_lint_clean():
    packs = shipped_packs()
    refs = {p.ref for p in packs}
    assert {"liplanet-2023@1.0.0", "liplanet-2026@2.0.0"} <= refs
    for p in packs:
        doc, problems = parse_pack_file(Path(p.path))
        assert problems == [], p.ref
        ids = [c.id for c in p.criteria]
        assert len(ids) == len(set(ids)), p.ref
        for c in p.criteria:
            assert c.source.get("ref"), c.id
            if c.source.get("kind") == "proposal":  # every number the roadmap does not give is explained
                assert len(c.source.get("rationale", "")) > 20, c.id


def test_2023_pack_has_the_roadmap_table_2_criteria_and_the_scrap_milestone():
    p = load_pack(PACK_2023)
    by_id = p.by_id()
    assert by_id["ELIG-CELL-SIZE"].check[0].value == 1.0  # Ah
    assert by_id["KPI-SCRAP-OVERALL"].check[0].op == "<" and by_id["KPI-SCRAP-OVERALL"].check[0].value == 10.0
    electrode = by_id["ELIG-ELECTRODE-OUTPUT"]
    assert [(c.metric, c.value) for c in electrode.check] == [
        ("kpi.electrode_throughput", 2.0),
        ("kpi.electrode_per_batch", 2.0),
    ]
    small, large = by_id["ELIG-CELL-OUTPUT-SMALL"], by_id["ELIG-CELL-OUTPUT-LARGE"]
    assert (small.applies_if.op, small.applies_if.value, small.check[0].value) == ("<", 10.0, 20.0)
    assert (large.applies_if.op, large.applies_if.value, large.check[0].value) == (
        ">=",
        10.0,
        10.0,
    )  # exactly 10 Ah: large


def test_2026_pack_sets_a_scrap_limit_for_every_figure_7_step():
    from liplanet_cert.catalogue import production_steps

    p = select_pack("liplanet-2026@2.0.0")
    limited = {
        c.check[0].metric.split(".")[1]
        for c in p.criteria
        if c.check and c.check[0].metric.startswith("step.") and c.check[0].metric.endswith(".scrap_rate")
    }
    assert limited == set(production_steps())


# -- canonical hash ------------------------------------------------------------------------
def test_sha256_is_stable_under_reformatting_and_changes_with_content(tmp_path):
    original = load_pack(PACK_2023)
    doc = safeyaml.load(PACK_2023.read_text(encoding="utf-8"))
    # same content: no comments, other key order, flow style; and as JSON
    shuffled = dict(reversed(list(doc.items())))
    as_yaml = tmp_path / "reformatted.yaml"
    as_yaml.write_text(
        "# reformatted\n" + yaml.safe_dump(shuffled, default_flow_style=True, width=60), encoding="utf-8"
    )
    as_json = tmp_path / "pack.json"
    as_json.write_text(json.dumps(doc, indent=4), encoding="utf-8")
    assert load_pack(as_yaml).sha256 == original.sha256
    assert load_pack(as_json).sha256 == original.sha256
    changed = copy.deepcopy(doc)
    changed["criteria"][1]["check"]["value"] = "2 Ah"
    assert load_pack(write_pack(tmp_path / "changed.yaml", changed)).sha256 != original.sha256


# -- selection -----------------------------------------------------------------------------
def test_selection_of_shipped_packs_by_date():
    assert select_pack(None, date(2024, 6, 1)).ref == "liplanet-2023@1.0.0"
    assert select_pack(None, date(2026, 5, 1)).id == "liplanet-2026"
    assert select_pack("liplanet-2026@2.0.0").ref == "liplanet-2026@2.0.0"
    with pytest.raises(CriteriaError, match="no criteria pack is in force on 2022-06-01"):
        select_pack(None, date(2022, 6, 1))


@pytest.fixture
def pack_dir(tmp_path, monkeypatch):
    """A criteria directory with three versions of one pack and one other pack."""
    d = tmp_path / "criteria"
    d.mkdir()
    write_pack(d / "line-1.0.0.yaml", draft("line", "1.0.0", "2024-01-01", "2024-12-31"))
    write_pack(d / "line-1.1.0.yaml", draft("line", "1.1.0", "2025-01-01", None))
    write_pack(d / "line-2.0.0-rc.1.yaml", draft("line", "2.0.0-rc.1", "2025-01-01", None))
    write_pack(d / "other-1.0.0.yaml", draft("other", "1.0.0", "2025-06-01", None))
    monkeypatch.setattr(criteria, "data_dir", lambda name: d)
    return d


def test_selection_by_id_takes_the_newest_version_in_force(pack_dir):
    assert select_pack("line", date(2024, 6, 1)).version == "1.0.0"
    # 2.0.0-rc.1 is a pre-release: it sorts below 2.0.0 but above 1.1.0
    assert select_pack("line", date(2025, 6, 1)).version == "2.0.0-rc.1"


def test_selection_by_id_at_version_ignores_the_date(pack_dir):
    assert select_pack("line@1.0.0", date(2030, 1, 1)).version == "1.0.0"
    with pytest.raises(CriteriaError) as info:
        select_pack("line@9.9.9")
    assert "no version 9.9.9 of line" in str(info.value) and "1.1.0" in str(info.value)


def test_selection_without_id_takes_the_pack_that_came_into_force_last(pack_dir):
    assert select_pack(None, date(2025, 3, 1)).id == "line"
    assert select_pack(None, date(2025, 7, 1)).ref == "other@1.0.0"
    with pytest.raises(CriteriaError, match="no version of line is in force on 2023-01-01"):
        select_pack("line", date(2023, 1, 1))


def test_unknown_pack_id_names_the_known_ones(pack_dir):
    with pytest.raises(CriteriaError) as info:
        select_pack("nope")
    assert "unknown criteria pack 'nope'" in str(info.value) and "line, other" in str(info.value)


def test_selection_by_path_loads_a_draft_pack(tmp_path):
    path = write_pack(tmp_path / "my-draft.yaml", draft())
    p = select_pack(str(path), date(1999, 1, 1))  # a path is taken as given, whatever the date
    assert p.ref == "draft-pack@0.1.0" and p.path == str(path)
    with pytest.raises(CriteriaError, match="criteria pack not found"):
        select_pack(str(tmp_path / "missing.yaml"))


def test_parse_at_reads_a_day_and_refuses_anything_else():
    assert parse_at("2026-11-30") == date(2026, 11, 30)
    for text in ("30.11.2026", "2026-02-30", ""):
        with pytest.raises(UsageError) as info:
            parse_at(text)
        assert info.value.problems[0].file == "--at"
        assert info.value.problems[0].message == f"--at must be a date YYYY-MM-DD, got {text!r}"


def test_shipped_pack_by_sha256_finds_the_pack_a_result_names():
    p = shipped_packs()[0]
    assert shipped_pack_by_sha256(p.sha256) is p and shipped_pack_by_sha256("0" * 64) is None


# -- lint ----------------------------------------------------------------------------------
def lint_messages(doc) -> list[tuple[str, str]]:
    return [(p.location, p.message) for p in lint(doc, "draft.yaml")]


def test_a_sound_draft_has_no_problems():
    assert lint_messages(draft()) == []


@pytest.mark.parametrize(
    ("break_it", "location", "message"),
    [
        (lambda d: d.pop("title"), "#/", "'title' is a required property"),
        (lambda d: d.update(version="1.0"), "#/version", "does not match"),
        (lambda d: d["criteria"][0].update(severity="mandatory"), "#/criteria/0/severity", "is not one of"),
        (
            lambda d: d["criteria"][0]["source"].update(kind="proposal"),
            "#/criteria/0/source",
            "'rationale' is a required property",
        ),
        (
            lambda d: d["criteria"][0].pop("check"),
            "#/criteria/0",
            "is not valid under any of the given schemas",
        ),
        (lambda d: d.update(valid_from="2026-13-01"), "#/valid_from", "is not a 'date'"),
    ],
)
def test_lint_reports_schema_errors_with_their_pointer(break_it, location, message):
    doc = draft()
    break_it(doc)
    assert any(loc == location and message in msg for loc, msg in lint_messages(doc)), lint_messages(doc)


def test_lint_schema_problems_are_the_validator_messages_sorted_by_path_as_text():
    """Each schema error is one problem: its pointer, the validator's message (at most 300
    characters), nothing expected or found; sorted by path, each step as text (/10 before /9)."""
    items = [copy.deepcopy(draft()["criteria"][0]) | {"id": f"T-{i}"} for i in range(11)]
    items[9]["severity"] = "s" * 400
    items[10]["title"] = 7
    doc = draft(criteria_items=items)
    del doc["title"]
    problems = lint(doc, "draft.yaml")
    assert [(p.file, p.location, p.expected, p.found) for p in problems] == [
        ("draft.yaml", "#/", "", ""),
        ("draft.yaml", "#/criteria/10/title", "", ""),
        ("draft.yaml", "#/criteria/9/severity", "", ""),
    ]
    assert [p.message for p in problems[:2]] == [
        "'title' is a required property",
        "7 is not of type 'string'",
    ]
    assert problems[2].message == f"'{'s' * 400}' is not one of {['required', 'advisory']}"[:300]


def test_lint_reports_duplicate_ids_unknown_metrics_and_units_that_do_not_fit():
    doc = draft()
    doc["criteria"][1]["id"] = "T-SCRAP"
    doc["criteria"][0]["check"]["metric"] = "kpi.scrap_ratio"
    doc["criteria"][1]["any_of"][0]["value"] = "2 kg/day"
    doc["criteria"].append(
        {
            "id": "T-AUTO",
            "title": "Automation",
            "category": "process",
            "severity": "required",
            "check": {"metric": "step.formation.automation", "op": ">=", "value": "robotic"},
            "source": {"ref": "test"},
        }
    )
    doc["criteria"].append(
        {
            "id": "T-CONS",
            "title": "Consistency",
            "category": "consistency",
            "severity": "required",
            "consistency": {"kpi": "cell_throughput", "tolerance": "2 m/day"},
            "source": {"ref": "test"},
        }
    )
    doc["criteria"].append(
        {
            "id": "T-FORMAT",
            "title": "Format",
            "category": "eligibility",
            "severity": "required",
            "check": {"metric": "cell.format", "op": ">=", "value": "pouch"},
            "source": {"ref": "test"},
        }
    )
    problems = lint(doc, "draft.yaml")
    got = {(p.location, p.message.split(":")[0]) for p in problems}
    assert got == {
        ("#/criteria/1/id", "duplicate criterion id"),
        ("#/criteria/0/check", "unknown metric"),
        ("#/criteria/1/any_of/0", "threshold unit does not fit kpi.electrode_throughput"),
        ("#/criteria/2/check", "unknown automation level"),
        ("#/criteria/3/consistency", "tolerance does not fit cell_throughput"),
        ("#/criteria/4/check", "operator '>=' does not fit a enum metric"),
    }
    unit = next(p for p in problems if p.location == "#/criteria/1/any_of/0")
    assert "length per time" in unit.expected and "[mass] / [time]" in unit.found


def test_lint_reports_a_pack_that_expires_before_it_starts():
    assert ("#/valid_until", "pack expires before it starts") in lint_messages(
        draft(valid_until="2025-01-01")
    )


def test_loading_a_broken_pack_raises_with_every_problem(tmp_path):
    doc = draft()
    doc["criteria"][1]["id"] = "T-SCRAP"
    doc["criteria"][0]["check"]["value"] = "10 Ah"
    with pytest.raises(CriteriaError) as info:
        load_pack(write_pack(tmp_path / "bad.yaml", doc))
    assert len(info.value.problems) == 2


@pytest.mark.parametrize("text", ["", "- a list\n", "id: [unclosed\n", "id: a\nid: b\n"])
def test_malformed_pack_files_are_problems_not_crashes(tmp_path, text):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError):
        load_pack(path)
