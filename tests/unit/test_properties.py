"""Property-based tests: generated and mutated bundles thrown at ``load_bundle`` and ``assess``.

Whatever the input, the only exceptions allowed out are the project's own
(:class:`~liplanet_cert.errors.LiplanetError` subclasses) carrying at least one problem that names a
file.  Mutations start from the approved example: bytes flipped, inserted or cut; lines deleted,
duplicated or swapped; CSV cells replaced by hostile values; YAML subtrees replaced by random
structures; the zipped bundle's bytes corrupted.  Examples per test are fixed (``EXAMPLES``) so the
suite stays well under a minute; the totals are printed at the end (``pytest -s``).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLES, PACK_2026
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liplanet_cert.assessment.core import AssessOptions, assess
from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.criteria.select import select_pack
from liplanet_cert.errors import LiplanetError
from liplanet_cert.infra import safeyaml

APPROVED = EXAMPLES / "approved"
FILES = sorted(p.relative_to(APPROVED).as_posix() for p in APPROVED.rglob("*") if p.is_file())
TEXT_FILES = [f for f in FILES]
CSV_FILES = [f for f in FILES if f.endswith(".csv")]
ORIGINAL = {f: (APPROVED / f).read_bytes() for f in FILES}
EXAMPLES_PER_TEST = int(
    os.environ.get("LIPLANET_HYPOTHESIS_EXAMPLES", "120")
)  # raise it for a longer bug hunt
SETTINGS = settings(
    max_examples=EXAMPLES_PER_TEST,
    deadline=None,
    derandomize=EXAMPLES_PER_TEST <= 120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COUNT: dict[str, int] = {}

HOSTILE_CELLS = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e400",
        "-1",
        "-0",
        "0",
        "1e15",
        "1,5",
        "1.234,5",
        "1 234",
        "0x10",
        "١٢",
        "½",
        "=1+1",
        "+SUM(A1)",
        "@cmd",
        "\t",
        '"',
        "\u202e",
        "\x1b[2J",
        "2026-02-30",
        "9999-12-31",
        "0000-00-00",
        "kWh",
        "Ah",
        "5 Ah**9",
        "1e3 kWh/cell",
        "mixing",
        "alchemy",
        "pass",
        "FAIL",
        "L01",
        "C00001",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    HOSTILE_CELLS,
)
TREES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=25,
)
PACK = select_pack(PACK_2026)
pytestmark = pytest.mark.slow  # property-based runs: hundreds of bundles loaded and assessed


def _count(name: str) -> None:
    COUNT[name] = COUNT.get(name, 0) + 1


def check(files: dict[str, bytes], name: str, *, also_assess: bool = True) -> None:
    """Write ``files`` as a bundle; loading and assessing may only fail with a located LiplanetError."""
    _count(name)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bundle"
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        _run(root, also_assess)


def _run(path: Path, also_assess: bool) -> None:
    try:
        load_bundle(path)
        if also_assess:
            assess(path, AssessOptions(at=date(2026, 10, 15), footprint=False), pack=PACK)
    except LiplanetError as exc:
        assert exc.problems, "an error without problems"
        assert any(p.file for p in exc.problems), f"no problem names a file: {exc}"
        assert all(isinstance(p.file, str) and isinstance(p.location, str) for p in exc.problems)


@SETTINGS
@given(name=st.sampled_from(TEXT_FILES), data=st.data())
def test_mutated_bytes(name: str, data: Any) -> None:
    raw = bytearray(ORIGINAL[name])
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]), label="kind")
        i = data.draw(st.integers(0, max(len(raw) - 1, 0)), label="at")
        if kind == "flip" and raw:
            raw[i] = data.draw(st.integers(0, 255), label="byte")
        elif kind == "insert":
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
        elif kind == "delete":
            del raw[i : i + data.draw(st.integers(1, 16), label="n")]
        else:
            del raw[i:]
    check({**ORIGINAL, name: bytes(raw)}, "mutated bytes")


@SETTINGS
@given(name=st.sampled_from(TEXT_FILES), data=st.data())
def test_mutated_lines(name: str, data: Any) -> None:
    lines = ORIGINAL[name].decode("utf-8").split("\n")
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        if not lines:
            break
        kind = data.draw(st.sampled_from(["delete", "duplicate", "swap", "replace"]), label="kind")
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        j = data.draw(st.integers(0, len(lines) - 1), label="other")
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = data.draw(st.text(max_size=60), label="text")
    check({**ORIGINAL, name: "\n".join(lines).encode("utf-8", "surrogatepass")}, "mutated lines")


@SETTINGS
@given(name=st.sampled_from(CSV_FILES), data=st.data())
def test_mutated_csv_cells(name: str, data: Any) -> None:
    lines = ORIGINAL[name].decode("utf-8").splitlines()
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        i = data.draw(st.integers(0, len(lines) - 1), label="row")
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1), label="column")
        value = data.draw(st.one_of(HOSTILE_CELLS, st.text(max_size=12)), label="value")
        cells[j] = '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value
        lines[i] = ",".join(cells)
    check({**ORIGINAL, name: ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")}, "mutated CSV cells")


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


DECLARATION = yaml.safe_load(ORIGINAL["declaration.yaml"].decode("utf-8"))
DECL_PATHS = _paths(DECLARATION)


@SETTINGS
@given(path=st.sampled_from(DECL_PATHS), value=TREES, as_json=st.booleans())
def test_random_yaml_subtrees(path: tuple, value: Any, as_json: bool) -> None:
    import copy
    import json

    doc = copy.deepcopy(DECLARATION)
    if path:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    else:
        doc = value
    files = dict(ORIGINAL)
    del files["declaration.yaml"]
    if as_json:
        files["declaration.json"] = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    else:
        files["declaration.yaml"] = yaml.safe_dump(doc, allow_unicode=True).encode("utf-8", "surrogatepass")
    check(files, "random YAML/JSON structures")


@SETTINGS
@given(
    text=st.lists(
        st.sampled_from(
            list("{}[]:-,&*!|>'\"#%@`?\n ab1.")
            + ["!!python/object:os.system", "&a [*a]", "<<: *a", "\t", "---", "...", "  "]
        ),
        max_size=120,
    ).map("".join)
)
def test_random_yaml_text(text: str) -> None:
    check({**ORIGINAL, "declaration.yaml": text.encode("utf-8")}, "random YAML text")


ZIPPED = io.BytesIO()
with zipfile.ZipFile(ZIPPED, "w", zipfile.ZIP_DEFLATED) as _zf:
    for _rel in FILES:
        _zf.writestr("approved/" + _rel, ORIGINAL[_rel])
ZIP_BYTES = ZIPPED.getvalue()


@SETTINGS
@given(data=st.data())
def test_corrupted_zip_bundles(data: Any) -> None:
    raw = bytearray(ZIP_BYTES)
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        i = data.draw(st.integers(0, len(raw) - 1), label="at")
        raw[i] = data.draw(st.integers(0, 255), label="byte")
    _count("corrupted zip bytes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(bytes(raw))
        _run(path, also_assess=True)


def test_report_example_counts() -> None:
    """Runs last in this module: prints how many examples each property ran."""
    if not COUNT:
        pytest.skip("run together with the property tests to count examples")
    total = sum(COUNT.values())
    print(f"\nhypothesis examples run: {total} ({', '.join(f'{k}: {v}' for k, v in sorted(COUNT.items()))})")
    assert total >= EXAMPLES_PER_TEST  # the properties really ran


def _node_depth(node: Any) -> int:
    if isinstance(node, yaml.SequenceNode):
        return 1 + max((_node_depth(c) for c in node.value), default=0)
    if isinstance(node, yaml.MappingNode):
        return 1 + max((max(_node_depth(k), _node_depth(v)) for k, v in node.value), default=0)
    return 0


_NESTING = st.recursive(
    st.sampled_from(["1", "a", "'q'", "[]", "{}"]),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(st.sampled_from(["k", "m", "n"]), inner, min_size=1, max_size=2),
    ),
    max_leaves=40,
)


@SETTINGS
@given(doc=_NESTING, flow=st.booleans(), indent=st.integers(2, 6))
def test_yaml_depth_shortcut_is_conservative(doc: Any, flow: bool, indent: int) -> None:
    """safeyaml skips the token-stream depth scan when a cheap bound proves the document cannot nest
    deeper than the limit; the bound must never be below the real depth."""
    text = yaml.safe_dump(doc, default_flow_style=flow, indent=indent, width=4096)
    if not safeyaml._may_nest_deeper_than_limit(text):
        assert _node_depth(yaml.compose(text, Loader=yaml.SafeLoader)) <= safeyaml.MAX_DEPTH
    # and the bound holds as a bound, whatever the limit
    col = max(len(line) - len(line.lstrip(" -?:")) for line in text.split("\n"))
    assert _node_depth(yaml.compose(text, Loader=yaml.SafeLoader)) <= 2 * (col + 1) + 2 * (
        text.count("[") + text.count("{")
    )
