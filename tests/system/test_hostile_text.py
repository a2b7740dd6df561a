"""Text from a bundle, a criteria pack or a waiver file, on a terminal and in reports (issue
"Hostile input").

Such text is data: a pilot-line name, an operator, a site, a file name, a criterion title or
source, a waiver's justification, a problem's found value.  Whatever it holds — terminal escape
sequences (clear screen, window title, hyperlinks; 7- and 8-bit), control characters,
bidirectional overrides, rich markup, HTML, Markdown structure — every output shows it as text:

- no output (terminal, table, JSON, JSONL, CSV, Markdown, SARIF, JUnit, dossier HTML and Markdown)
  holds an escape sequence, a control character but newline and tab, or a bidirectional control
  (``textsafe.is_clean``); JSON keeps the data exact with ``\\uXXXX`` escapes;
- the terminal shows rich markup literally (``[link=…]`` is no hyperlink, ``[bold red]`` no style);
- rendered as GitHub-flavoured Markdown, no bundle text becomes an HTML element, and every table
  row keeps its columns;
- the dossier HTML has no element and no attribute from bundle text.

The sanitiser is ``liplanet_cert.infra.textsafe.clean``; a structural test below keeps the CLI and the
reporters printing through it.  Property tests use hypothesis with a bounded number of examples.
"""

from __future__ import annotations

import ast
import copy
import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import html5lib
import pytest
import yaml
from helpers import EXAMPLES, REPO, squash
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from liplanet_cert.cli.main import app
from liplanet_cert.dossier.markdown import md_code, md_escape
from liplanet_cert.dossier.render import render_html, render_markdown
from liplanet_cert.infra.textsafe import clean, clean_tree, is_clean, json_escape, safe_text

PACK = "liplanet-2026@2.0.0"
AT = "2026-10-15"
WIDE = {"COLUMNS": "1000", "NO_COLOR": "1"}  # nothing wraps: text can be found whole
FORMATS = ("json", "jsonl", "csv", "markdown", "sarif", "junit", "table")
SUFFIX = {
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "markdown": "md",
    "sarif": "sarif",
    "junit": "xml",
    "table": "txt",
}

# The cases of the issue, and the classes of hostile text
NAME = "Evil\x1b[2J\x1b]0;pwned\x07Line\x9b31m [bold red]RED[/bold red] [link=https://evil]x[/link] \u202etxt.exe"
FILE = "a|b<img src=x onerror=alert(7)>.txt"
TITLE = "Cell format [link=https://evil]click[/link] [bold red]R[/bold red] \x1b]8;;https://evil\x1b\\here\x1b]8;;\x1b\\"
PIECES = [
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]0;pwned\x07",
    "\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\",
    "\x1b]2;title",
    "\x1bc",
    "\x1b(B",
    "\x1b",
    "\x9b31m",
    "\x9b2J",
    "\x9d0;t\x9c",
    "\x90q\x9c",
    "\x85",
    "\x7f",
    "\x07",
    "\x08",
    "\x00",
    "\r",
    "\r\n",
    "\n",
    "\t",
    "\x0b",
    "\x0c",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "[bold red]",
    "[/bold red]",
    "[/]",
    "[link=https://evil]x[/link]",
    ":smile:",
    "[",
    "]",
    "<img src=x onerror=alert(7)>",
    "<script>alert(1)</script>",
    "<b>",
    "</td>",
    "<!--",
    "<?",
    "&amp;",
    "&#60;",
    "&lt;",
    "|",
    "||",
    "`",
    "``",
    "```",
    "\\",
    "\\|",
    "*",
    "**",
    "_",
    "~~",
    "#",
    "# ",
    "- ",
    "1. ",
    "> ",
    "---",
    "![x](y)",
    "[x](javascript:alert(1))",
    '=HYPERLINK("http://evil")',
    "+1",
    "@x",
    "{{ 7*7 }}",
    "{% raw %}",
    "${x}",
    "%s",
    "'",
    '"',
    "é",
    "世界",
    "👩‍🔬",
    "x",
]
hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=("Cs",))), min_size=1, max_size=12
).map("".join)
# a file name: anything but "/" and NUL (and "\\", which a bundle may read as a separator)
file_piece = st.one_of(
    st.sampled_from([p for p in PIECES if not set(p) & {"/", "\\", "\x00"}]),
    st.characters(exclude_categories=("Cs",), exclude_characters="/\\\x00"),
)
hostile_file = (
    st.lists(file_piece, min_size=1, max_size=8)
    .map(lambda parts: "e-" + "".join(parts) + ".txt")
    .filter(lambda n: len(n.encode("utf-8")) <= 200)
)

SEQUENCE = re.compile(r"\x1b|[\x80-\x9f]")
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
GFM = MarkdownIt("commonmark").enable("table")
runner = CliRunner()


# -- the sanitiser ----------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), max_size=30).map("".join))
def test_clean_leaves_nothing_a_terminal_would_act_on(text: str) -> None:
    out = clean(text)
    assert is_clean(out) and not SEQUENCE.search(out) and not BIDI.search(out)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", out)
    assert clean(out) == out  # idempotent
    out.encode("utf-8")  # no lone surrogate: every output can be written (raises otherwise)
    one = clean(text, oneline=True)
    assert "\n" not in one and "\t" not in one


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        st.characters(
            exclude_categories=("Cc", "Cs"),
            exclude_characters="\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
            "\u2066\u2067\u2068\u2069\u2028\u2029",
        )
        | st.sampled_from("\n\t")
    )
)
def test_clean_keeps_safe_text_as_it_is(text: str) -> None:
    assert clean(text) == text


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("Evil\x1b[2J\x1b]0;pwned\x07Line\x1b[31m", "EvilLine"),  # clear screen, window title (BEL), colour
        ("a\x1b]0;title\x1b\\b", "ab"),  # window title ended by ST
        (
            "a\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\b",
            "alinkb",
        ),  # a hyperlink: the text stays, the link goes
        ("a\x9b2Jb", "ab"),
        ("a\x9d0;t\x9cb", "ab"),
        ("a\x90q\x9cb", "ab"),  # 8-bit CSI, OSC, DCS
        ("a\x1bcb", "ab"),
        ("a\x1b(Bb", "ab"),  # reset, character set
        (
            "a\x1b]0;no terminator",
            "a0;no terminator",
        ),  # unterminated: the introducer (ESC ]) goes, the text is shown
        ("x\u202etxt.exe", "xtxt.exe"),
        ("a\u2066b\u2069c", "abc"),  # bidirectional controls
        ("a\rb\x08c\x00d\x7fe\x85f", "abcdef"),
        ("a\u2028b", "a b"),
        ("a\ud800b", "a\ufffdb"),
        ("line 1\n\tline 2", "line 1\n\tline 2"),
        ("[bold]x[/bold] <b>", "[bold]x[/bold] <b>"),
    ],
)
def test_clean_removes_sequences_whole(raw: str, shown: str) -> None:
    assert clean(raw) == shown


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.text(st.characters()) | st.integers() | st.none(),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(st.characters(), max_size=5), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_json_keeps_the_data_and_writes_nothing_raw(data: object) -> None:
    from liplanet_cert.reporters.json_ import dumps
    from liplanet_cert.reporters.jsonl import dumps_line

    for text in (dumps(data), dumps_line(data), json_escape(json.dumps(data, ensure_ascii=False))):
        assert is_clean(text)
        assert json.loads(text) == data


def test_rich_markup_is_text_even_on_a_colour_terminal() -> None:
    from rich.console import Console

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=True, color_system="truecolor", width=300)
    con.print(safe_text(NAME, style="bold"))
    out = buf.getvalue()
    assert (
        "\x1b]" not in out and "\x9b" not in out and "\x1b[2J" not in out
    )  # no hyperlink, title or clear screen
    assert all(
        re.fullmatch(r"\x1b\[[0-9;]*m", s) for s in re.findall(r"\x1b\[[^a-zA-Z]*[a-zA-Z]", out)
    )  # colours only
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert not SEQUENCE.search(plain)
    assert "[bold red]RED[/bold red] [link=https://evil]x[/link]" in plain


# -- Markdown: code spans, table cells ------------------------------------------------------------
def _gfm_cells(row: str) -> int:
    """How many cells GFM sees in a table row: split at every pipe not preceded by a backslash
    (code spans included), the outer pipes dropped."""
    parts = re.split(r"(?<!\\)\|", row.strip())
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return len(parts)


def _tables_keep_their_columns(md: str) -> None:
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()):  # a delimiter row: the header is above it
            want = _gfm_cells(line)
            assert _gfm_cells(lines[i - 1]) == want, lines[i - 1]
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert _gfm_cells(lines[j]) == want, (
                    f"row {j + 1} has {_gfm_cells(lines[j])} cells, not {want}: {lines[j]!r}"
                )
                j += 1


def _elements(html: str) -> list[str]:
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    return [el.tag for el in doc.iter() if isinstance(el.tag, str)]


@settings(max_examples=200, deadline=None)
@given(hostile)
def test_a_value_in_a_markdown_table_cell_stays_in_its_cell_as_text(text: str) -> None:
    for value in (md_code(text), md_escape(text)):
        md = f"| a | b |\n|---|---|\n| {value} | end |\n"
        _tables_keep_their_columns(md)
        html = GFM.render(md)
        tags = set(_elements(html)) - {
            "html",
            "head",
            "body",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "code",
        }
        assert not tags, (value, html)
        doc = html5lib.parse(html, namespaceHTMLElements=False)
        cells = [("".join(td.itertext())) for td in doc.iter("td")]
        assert cells[1] == "end", (value, html)
        assert squash(cells[0]) == squash(clean(text, oneline=True)), (value, html)


def test_block_structure_from_text_is_escaped_in_the_dossier() -> None:
    """A title ending in " ##" keeps it in its heading; a message that is "---" or indented by four
    spaces (alone on its line in the dossier) makes no rule and no code block."""
    from liplanet_cert.assessment.result import Status

    r = copy.deepcopy(_SAMPLE)
    r.findings[0] = replace(r.findings[0], title="Scrap rate ##", status=Status.FAIL, message="---")
    r.findings[1] = replace(r.findings[1], title="- item", status=Status.FAIL, message="    indented code")
    md = render_markdown(r, command="x")
    doc = html5lib.parse(GFM.render(md), namespaceHTMLElements=False)
    headings = ["".join(h.itertext()) for h in doc.iter("h3")]
    assert any(h.endswith("Scrap rate ##") for h in headings) and any(
        h.endswith("- item") for h in headings
    ), headings
    assert not doc.findall(".//hr") and len(doc.findall(".//pre")) == 1  # the command's block only
    assert "indented code" in "".join(doc.itertext())


def test_a_file_name_with_a_pipe_and_html_is_not_a_code_span() -> None:
    assert str(md_code(FILE)) == "a\\|b\\<img src=x onerror=alert(7)>.txt"
    assert str(md_code("x.csv`rows`<i>")) == "``x.csv`rows`<i>``"
    assert str(md_code("`x`")) == "`` `x` ``" and str(md_code(" x ")) == "`  x  `"


# -- the whole tool, on a bundle and a pack carrying hostile text ------------------------------------
def _bundle(root: Path, name: str, file_name: str) -> Path:
    """The approved example with ``name`` as pilot line, operator and site, and an evidence file
    ``file_name`` (described as ``name``); the declaration is JSON, so any string is exact."""
    bundle = root / "bundle"
    if bundle.exists():
        shutil.rmtree(bundle)
    shutil.copytree(EXAMPLES / "approved", bundle)
    decl = yaml.safe_load((bundle / "declaration.yaml").read_text(encoding="utf-8"))
    (bundle / "declaration.yaml").unlink()
    decl["pilot_line"].update(name=name[:200], operator=name[:200], site=name[:200])
    evidence = bundle / "evidence" / file_name
    evidence.write_bytes(b"evidence\n")
    import hashlib

    decl["evidence"].append(
        {
            "path": f"evidence/{file_name}",
            "sha256": hashlib.sha256(b"evidence\n").hexdigest(),
            "description": name[:500],
        }
    )
    (bundle / "declaration.json").write_text(json.dumps(decl, ensure_ascii=True, indent=1), encoding="utf-8")
    return bundle


def _pack(root: Path, title: str) -> Path:
    """The 2026 pack as a JSON draft, with ``title`` as pack title, first criterion's title and source."""
    doc = yaml.safe_load((REPO / "criteria" / "liplanet-2026-2.0.0.yaml").read_text(encoding="utf-8"))
    doc["title"] = title
    first = doc["criteria"][0]
    first["title"] = title
    first["source"] = dict(first["source"], ref=title)
    path = root / "pack.json"
    path.write_text(json.dumps(doc, ensure_ascii=True, indent=1), encoding="utf-8")
    return path


def _invoke(*args: str) -> str:
    r = runner.invoke(app, list(args), env=WIDE)
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit)), (
        args,
        r.output,
        r.exception,
    )
    assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.output)
    return r.output


def _check_markdown(md: str, texts: list[str]) -> None:
    """Rendered as GFM: the elements of the template only, tables whole, the texts shown as text."""
    _tables_keep_their_columns(md)
    html = GFM.render(md)
    tags = set(_elements(html))
    assert tags <= {
        "html",
        "head",
        "body",
        "h1",
        "h2",
        "h3",
        "h4",
        "p",
        "strong",
        "em",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }, tags
    shown = squash("".join(html5lib.parse(html, namespaceHTMLElements=False).itertext()))
    for t in texts:
        assert squash(clean(t, oneline=True)) in shown, t


def _check_html(html: str, texts: list[str]) -> None:
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    assert not doc.findall(".//script") and not doc.findall(".//img") and not doc.findall(".//iframe")
    for el in doc.iter():
        if isinstance(el.tag, str):
            assert not [a for a in el.attrib if a.lower().startswith("on")], (el.tag, el.attrib)
            assert all(not str(v).lower().lstrip().startswith("javascript:") for v in el.attrib.values())
    shown = squash("".join(doc.itertext()))
    for t in texts:
        assert squash(clean(t, oneline=True)) in shown, t


def _all_outputs_of(root: Path, bundle: Path, pack: Path, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Every output of validate, assess (every format), criteria show/check/diff, and the dossier."""
    out_dir = root / "out"
    shutil.rmtree(out_dir, ignore_errors=True)
    outputs = {"validate": _invoke("validate", str(bundle))}
    outputs["validate-json"] = _invoke("validate", str(bundle), "-f", "json")
    opts = [a for f in FORMATS for a in ("-o", f"{f}:{out_dir}/r.{SUFFIX[f]}")]
    outputs["assess"] = _invoke(
        "assess", str(bundle), "-c", str(pack), "--at", AT, "--no-footprint", *extra, *opts
    )
    for f in FORMATS:
        p = out_dir / f"r.{SUFFIX[f]}"
        if p.exists():
            outputs[f] = p.read_text(encoding="utf-8")
    outputs["criteria show"] = _invoke("criteria", "show", str(pack))
    outputs["criteria check"] = _invoke("criteria", "check", str(pack))
    outputs["criteria diff"] = _invoke("criteria", "diff", PACK, str(pack))
    return outputs


def _dossier(bundle: Path, pack: Path, waivers: Path | None = None) -> tuple[str, str] | None:
    from liplanet_cert.assessment.core import AssessOptions, assess
    from liplanet_cert.assessment.waivers import load_waivers
    from liplanet_cert.dossier.sample import sample_footprint
    from liplanet_cert.errors import LiplanetError

    try:
        result = assess(
            bundle,
            AssessOptions(
                criteria=str(pack), at=AT, footprint=False, waivers=load_waivers(waivers) if waivers else None
            ),
        )
    except LiplanetError:
        return None
    result.footprint = sample_footprint()
    return render_html(result, command="liplanet-cert dossier x"), render_markdown(
        result, command="liplanet-cert dossier x"
    )


def _check_everything(root: Path, name: str, file_name: str, title: str) -> None:
    bundle, pack = _bundle(root, name, file_name), _pack(root, title)
    outputs = _all_outputs_of(root, bundle, pack)
    dossier = _dossier(bundle, pack)
    if dossier is not None:
        outputs["dossier.html"], outputs["dossier.md"] = dossier
    for what, text in outputs.items():
        assert is_clean(text), f"{what}: {[c for c in text if not is_clean(c)][:5]}"
    if "json" not in outputs:  # refused (exit 2): the problems were reported, clean
        return
    result = json.loads(outputs["json"])
    shown_name = result["pilot_line"]["name"]
    shown_title = next(f["title"] for f in result["findings"] if f["id"] == "ELIG-FORMAT")
    assert f"evidence/{file_name}" in [
        i["path"] for i in result["inputs"]
    ]  # the evidence file is an input of the result
    # the terminal shows the text as it is, cleaned: no markup interpreted, nothing dropped
    assert squash(clean(shown_name, oneline=True)) in squash(outputs["validate"])
    assert squash(clean(shown_name, oneline=True)) in squash(outputs["assess"])
    for line in clean(shown_title).splitlines():  # a table cell keeps the lines of a title
        for what in ("assess", "criteria show", "criteria diff"):
            assert squash(line) in squash(outputs[what]), what
    # machine formats parse, and say the same
    json.loads(outputs["validate-json"])
    for line in outputs["jsonl"].splitlines():
        json.loads(line)
    sarif = json.loads(outputs["sarif"])
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ELIG-FORMAT"]["shortDescription"]["text"] == clean(shown_title)
    junit = ET.fromstring(outputs["junit"])
    assert any(clean(shown_title) in (c.get("name") or "") for c in junit.iter("testcase"))
    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert all(
        c[:1] not in ("=", "+", "@", "\t", "\r") and not (c[:1] == "-" and not c[1:2].isdigit())
        for row in rows[1:]
        for c in row
    )
    one = clean(shown_name, oneline=True).strip()
    _check_markdown(outputs["markdown"], [shown_name, f"{one}, {one} ({result['pilot_line']['country']})"])
    # the dossier: its Markdown renders as the template's elements only, its HTML has no element from the bundle
    paths = [i["path"] for i in result["inputs"]]
    _check_markdown(outputs["dossier.md"], [shown_name, shown_title, *paths])
    _check_html(outputs["dossier.html"], [shown_name, shown_title, *paths])


def test_the_cases_of_the_issue(tmp_path: Path) -> None:
    _check_everything(tmp_path, NAME, FILE, TITLE)
    out = _invoke("validate", str(tmp_path / "bundle"))
    assert "EvilLine [bold red]RED[/bold red] [link=https://evil]x[/link] txt.exe" in squash(out)
    md = render_markdown(_assessed(tmp_path), command="x")
    row = next(line for line in md.splitlines() if "onerror" in line and line.startswith("|"))
    assert row.startswith("| evidence/a\\|b\\<img src=x onerror=alert(7)>.txt |"), row


def _assessed(root: Path):
    from liplanet_cert.assessment.core import AssessOptions, assess

    return assess(root / "bundle", AssessOptions(criteria=str(root / "pack.json"), at=AT, footprint=False))


# bounded: a few whole runs of the tool; not shrunk (a failure prints its example, which is short anyway)
@pytest.mark.slow
@settings(
    max_examples=5,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=hostile, file_name=hostile_file, title=hostile)
def test_any_hostile_text_is_shown_as_text_in_every_output(
    tmp_path_factory: pytest.TempPathFactory, name: str, file_name: str, title: str
) -> None:
    root = tmp_path_factory.mktemp("hostile")
    _check_everything(root, name, file_name, title)


def test_colour_terminal_shows_markup_as_text(tmp_path: Path) -> None:
    """On a colour terminal (FORCE_COLOR) the only escape sequences are the tool's own colours."""
    bundle, pack = _bundle(tmp_path, NAME, FILE), _pack(tmp_path, TITLE)
    for args in (
        ["validate", str(bundle)],
        ["assess", str(bundle), "-c", str(pack), "--at", AT, "--no-footprint"],
        ["criteria", "show", str(pack)],
        ["criteria", "diff", PACK, str(pack)],
        ["criteria", "check", str(pack)],
    ):
        r = runner.invoke(app, args, env={"COLUMNS": "1000", "FORCE_COLOR": "1", "TERM": "xterm-256color"})
        assert r.exit_code in (0, 1), (args, r.output)
        assert "\x1b[" in r.output or args[0] == "criteria", args  # it is a colour terminal
        sequences = set(re.findall(r"\x1b[^a-zA-Z]*[a-zA-Z\\]?", r.output))
        assert all(re.fullmatch(r"\x1b\[[0-9;]*m", s) for s in sequences), (
            args,
            sequences,
        )  # SGR colours only: no link, title, clear
        plain = re.sub(r"\x1b\[[0-9;]*m", "", r.output)
        assert not SEQUENCE.search(plain) and not BIDI.search(plain)
        if args[:2] != ["criteria", "check"]:  # check names the pack by its id (an id has no markup)
            assert "[link=https://evil]" in plain, args


def test_waiver_justification_and_found_values_are_clean(tmp_path: Path) -> None:
    """A waiver's justification (terminal, SARIF, JUnit, dossier) and a problem's found value in
    an invalid bundle (terminal, every report) are cleaned too."""
    bundle = tmp_path / "not-approved"
    shutil.copytree(EXAMPLES / "not-approved", bundle)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - id: W-FORM\n    criterion: QUAL-SCRAP-FORMATION\n    pilot_line: Vistula Cylindrical Line\n"
        f'    justification: {json.dumps(NAME)}\n    approver: {json.dumps(TITLE)}\n    granted_on: "2026-10-01"\n    expires_on: "2027-03-31"\n',
        encoding="utf-8",
    )
    outputs = _all_outputs_of(tmp_path, bundle, _pack(tmp_path, TITLE), extra=("--waivers", str(waivers)))
    html, md = _dossier(bundle, tmp_path / "pack.json", waivers)  # type: ignore[misc]
    outputs.update({"dossier.html": html, "dossier.md": md})
    for what, text in outputs.items():
        assert is_clean(text), what
    sarif = json.loads(outputs["sarif"])
    just = [s["justification"] for r in sarif["runs"][0]["results"] for s in r.get("suppressions", [])]
    assert just == [clean(NAME)]
    _check_markdown(md, [NAME])
    _check_html(html, [NAME])
    # an invalid bundle: the found value is in the problem, everywhere
    bad = tmp_path / "bad"
    shutil.copytree(EXAMPLES / "approved", bad)
    log = bad / "production_log.csv"
    log.write_text(
        log.read_text(encoding="utf-8").replace(
            "2026-09-01,mixing,L01", "2026-09-01,mix\x1b]0;pwned\x07\x9b2J\u202e[bold]ing</td>|,L01", 1
        ),
        encoding="utf-8",
    )
    out_dir = tmp_path / "invalid"
    r = runner.invoke(
        app,
        [
            "validate",
            str(bad),
            *[a for f in FORMATS if f != "table" for a in ("-o", f"{f}:{out_dir}/r.{SUFFIX[f]}")],
        ],
        env=WIDE,
    )
    assert r.exit_code == 2 and "unknown step" in squash(r.output)
    assert is_clean(r.output) and "[bold]ing</td>|" in squash(r.output)
    for p in out_dir.iterdir():
        assert is_clean(p.read_text(encoding="utf-8")), p.name
    _check_markdown((out_dir / "r.md").read_text(encoding="utf-8"), [])


def test_batch_outputs_are_clean(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    bundle = _bundle(root, NAME, FILE)
    pack = _pack(tmp_path, TITLE)
    out = tmp_path / "run"
    opts = [a for f in FORMATS if f != "table" for a in ("-o", f"{f}:{tmp_path}/b.{SUFFIX[f]}")]
    r = runner.invoke(
        app,
        [
            "batch",
            str(bundle),
            "--out",
            str(out),
            "-j",
            "1",
            "-c",
            str(pack),
            "--at",
            AT,
            "--no-footprint",
            *opts,
        ],
        env=WIDE,
    )
    assert r.exit_code in (0, 1), r.output
    assert is_clean(r.output)
    for p in [*tmp_path.glob("b.*"), *out.rglob("*")]:
        if p.is_file():
            assert is_clean(p.read_text(encoding="utf-8")), p
    _check_markdown((tmp_path / "b.md").read_text(encoding="utf-8"), [NAME])


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(text=hostile)
def test_the_dossier_shows_any_text_of_a_result_as_text(text: str) -> None:
    """Every text field of a result (as a bundle, a pack and waivers fill it) holds hostile text."""
    from liplanet_cert.assessment.result import Status
    from liplanet_cert.bundle.model import InputFile

    r = copy.deepcopy(_SAMPLE)
    r.pilot_line = dict(r.pilot_line, name=text, operator=text, site=text)
    r.findings[0] = replace(
        r.findings[0],
        title=text,
        status=Status.FAIL,
        message=text,
        actual=text,
        location=text,
        source=text,
        lots=[text],
    )
    r.findings[1] = replace(
        r.findings[1],
        status=Status.WAIVED,
        waiver={"id": text, "justification": text, "approved_by": text, "expires": text},
    )
    r.inputs = [*r.inputs, InputFile(path=f"evidence/{text}", sha256="0" * 64, size=1)]
    r.warnings = [text]
    r.bundle = dict(r.bundle, path=text)
    r.criteria = replace(r.criteria, title=text)
    html, md = (
        render_html(r, command=f"liplanet-cert dossier {text}"),
        render_markdown(r, command=f"liplanet-cert dossier {text}"),
    )
    assert is_clean(html) and is_clean(md)
    _check_markdown(md, [text, f"evidence/{text}"])
    _check_html(html, [text])


def _sample():
    from liplanet_cert.dossier.sample import sample_result

    return sample_result()


_SAMPLE = _sample()


def test_clean_tree_cleans_a_result_and_keeps_its_shape() -> None:
    r = copy.deepcopy(_SAMPLE)
    r.pilot_line = dict(r.pilot_line, name=NAME)
    r.findings[0] = replace(r.findings[0], title=TITLE, lots=[NAME])
    c = clean_tree(r)
    assert (
        c.pilot_line["name"] == clean(NAME)
        and c.findings[0].title == clean(TITLE)
        and c.findings[0].lots == [clean(NAME)]
    )
    assert c.findings[0].status is r.findings[0].status and c.verdict is r.verdict and c.counts == r.counts
    assert r.pilot_line["name"] == NAME  # the original is untouched


# -- structure: the CLI and the reporters print bundle text only through the sanitiser ----------------
PKG = REPO / "liplanet_cert"
# every module that uses rich (the CLI, the reporters and the console views)
PRINTING = sorted(
    {*PKG.glob("cli/*.py"), *PKG.glob("reporters/**/*.py")}
    | {p for p in PKG.rglob("*.py") if "rich" in p.read_text(encoding="utf-8")}
)
SANITISING = {
    "reporters/safetable.py",
    "infra/textsafe.py",
}  # build rich Text from cleaned text (SafeTable, print_text, safe_text)
# prints of paths the user typed on the command line (output files, the new bundle directory), with
# markup=False: no bundle text (left as they are: the output-writing code is being changed elsewhere)
OWN_PATHS = {("cli/outputs.py", "sign"), ("cli/outputs.py", "write_dossier"), ("cli/bundle.py", "init")}


def _rel(path: Path) -> str:
    return path.relative_to(PKG).as_posix()


@pytest.mark.parametrize("path", PRINTING, ids=_rel)
def test_printing_goes_through_the_sanitiser(path: Path) -> None:
    """Rich ``Text`` is made only by textsafe.safe_text (or tables.py, which cleans); ``print`` of a
    console is given a renderable, never a string (rich would read markup in it); no ``markup=True``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owner = {}
    for fn_def in ast.walk(tree):
        if isinstance(fn_def, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(fn_def):
                owner.setdefault(id(inner), fn_def.name)  # the outermost function holding the call
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or (_rel(path), owner.get(id(node))) in OWN_PATHS:
            continue
        fn = node.func
        name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
        if name == "Text" and _rel(path) not in SANITISING and (node.args or node.keywords):
            bad.append(f"line {node.lineno}: rich Text(...) built from text: use textsafe.safe_text")
        if name == "print" and isinstance(fn, ast.Attribute) and node.args and _rel(path) not in SANITISING:
            arg = node.args[0]
            if isinstance(arg, (ast.Constant, ast.JoinedStr, ast.BinOp)) or (
                isinstance(arg, ast.Call)
                and isinstance(arg.func, ast.Name)
                and arg.func.id in ("Text", "str", "repr")
            ):
                bad.append(f"line {node.lineno}: console.print of a string: use textsafe.say / safe_text")
        for kw in node.keywords:
            if kw.arg == "markup" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                bad.append(f"line {node.lineno}: markup=")
    assert not bad, f"{_rel(path)}: " + "; ".join(bad)
