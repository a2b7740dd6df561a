"""The catalogues the CLI points to exist and cannot drift: ``criteria metrics`` (from the metric
registry) and ``schema NAME`` (from one list of published schemas, the one the README names)."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from liplanet_cert.catalogue import CATALOGUE, pattern_specs
from liplanet_cert.cli.main import app
from liplanet_cert.infra import safeyaml
from liplanet_cert.infra.resources import PUBLISHED_SCHEMAS

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, columns: int = 80):
    res = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res


def shipped_metrics() -> set[str]:
    names: set[str] = set()
    for f in sorted((REPO / "criteria").glob("*.yaml")):
        for c in yaml.safe_load(f.read_text(encoding="utf-8"))["criteria"]:
            for cond in [c.get("check"), c.get("applies_if"), *c.get("any_of", [])]:
                if cond:
                    names.add(cond["metric"])
    return names


def test_criteria_metrics_lists_every_metric_the_shipped_packs_use():
    used = shipped_metrics()
    assert {
        "cell.format",
        "kpi.scrap_rate",
        "step.formation.scrap_rate",
        "footprint.primary_share_main_production",
    } <= used
    table = cli("criteria", "metrics")
    assert table.exit_code == 0
    for m in used:
        assert re.search(r"(?<![\w.])" + re.escape(m) + r"(?![\w.])", table.stdout), m
    assert "…" not in table.stdout
    doc = json.loads(cli("criteria", "metrics", "--format", "json").stdout)
    by = {m["name"]: m for m in doc["metrics"]}
    assert used <= set(by)
    # the command shows the registry, all of it, and the families named by pattern
    assert set(by) == set(CATALOGUE) | {m.name for m in pattern_specs()}
    assert "quality.<step>.<char>.cpk" in by and "roundrobin.<measurand>.abs_z" in by
    for m in by.values():
        assert m["source"] in ("declaration", "logs", "footprint", "roundrobin") and m["description"], m
        if m["kind"] == "quantity":
            assert m["unit"] and m["dimension"], m


@pytest.mark.parametrize(
    ("metric", "unit", "dimension", "source"),
    [
        ("cell.nominal_capacity", "Ah", "charge", "declaration"),
        ("kpi.cell_throughput", "cell/day", "cells_per_time", "logs"),
        ("declared.electrode_throughput", "m/day", "length_per_time", "declaration"),
        ("step.calendering.scrap_rate", "percent", "dimensionless", "logs"),
        ("eol.capacity_vs_nominal", "percent", "dimensionless", "logs"),
        ("footprint.steps_reported", "percent", "dimensionless", "footprint"),
        ("footprint.kg_co2e_per_kwh", "dimensionless", "dimensionless", "footprint"),
        ("step.formation.automation", None, None, "declaration"),
    ],
)
def test_metric_units_and_sources(metric: str, unit: str | None, dimension: str | None, source: str):
    by = {m["name"]: m for m in json.loads(cli("criteria", "metrics", "-f", "json").stdout)["metrics"]}
    assert (by[metric]["unit"], by[metric]["dimension"], by[metric]["source"]) == (unit, dimension, source)


def test_criteria_metrics_table_shows_unit_source_and_meaning():
    out = " ".join(cli("criteria", "metrics", columns=220).stdout.split())
    assert (
        "kpi.cell_throughput │ quantity │ cell/day (cells_per_time) │ logs │ Cell output per production day, measured from the logs."
        in out
    )
    assert "kg CO2e/kWh, written as a plain number (e.g. 20)" in out


def test_the_hint_of_criteria_check_names_a_command_that_exists(tmp_path: Path):
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        textwrap.dedent("""\
        id: draft
        version: 0.1.0
        title: Draft
        valid_from: "2027-01-01"
        criteria:
          - {id: D-ONE, title: a, category: scrap, severity: required, source: {ref: x},
             check: {metric: kpi.scrap_ratio, op: "<", value: "10 %"}}
        """),
        encoding="utf-8",
    )
    res = cli("criteria", "check", str(draft), columns=200)
    assert res.exit_code == 2
    hints = re.findall(r"\(liplanet-cert ([a-z -]+)\)", res.stderr)
    assert hints == ["criteria metrics"]
    for hint in hints:
        ran = cli(*shlex.split(hint))
        assert ran.exit_code == 0 and "kpi.scrap_rate" in ran.stdout


# -- schema ---------------------------------------------------------------------------------
def readme_schema_names() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `liplanet-cert schema "))
    return re.match(r"\| `liplanet-cert schema ([^`]+)`", row).group(1).replace("\\|", "|").split("|")


def test_every_schema_the_readme_names_is_accepted_and_valid():
    names = readme_schema_names()
    assert "waivers" in names
    for name in names:
        res = cli("schema", name)
        assert res.exit_code == 0, (name, res.output)
        schema = json.loads(res.stdout)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_readme_help_and_command_list_the_same_schemas():
    assert readme_schema_names() == list(PUBLISHED_SCHEMAS)
    help_text = " ".join(cli("schema", "--help", columns=200).stdout.split())
    for name in PUBLISHED_SCHEMAS:
        assert f"{name} (" in help_text
    bad = cli("schema", "everything")
    assert (
        bad.exit_code == 2
        and "choose bundle, criteria, result, waivers, roundrobin or roundrobin-result"
        in " ".join(bad.stderr.split())
    )


def test_the_waivers_schema_accepts_a_waiver_file_the_tool_accepts(tmp_path: Path):
    from liplanet_cert.assessment.waivers import load_waivers

    text = textwrap.dedent("""\
        waivers:
          - id: W-1
            criterion: QUAL-SCRAP-FORMATION
            bundle: vistula
            justification: rework of the formation line
            approver: board
            granted_on: "2026-10-01"
            expires_on: "2026-12-31"
        """)
    f = tmp_path / "w.yaml"
    f.write_text(text, encoding="utf-8")
    load_waivers(f)  # the tool accepts it
    schema = json.loads(cli("schema", "waivers").stdout)
    assert list(Draft202012Validator(schema).iter_errors(safeyaml.load(text))) == []
    assert list(
        Draft202012Validator(schema).iter_errors({"waivers": [{"criterion": "X"}]})
    )  # no justification: refused
