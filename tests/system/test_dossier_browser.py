"""Render the dossier in headless Chromium to a PNG and an A4 PDF and check both are real, and
that the printed dossier is one an auditor can use: few pages, each with a running header and
"page x of y".

Skipped when no Chromium is installed, except under CI (``CI`` set), where a missing browser
fails the test: `.ci/run` installs Debian's ``chromium``.  The PDF is read in pure Python (no
poppler): pages are counted from the ``/Type /Page`` objects, and the text of each page is
decoded from its content stream through the fonts' ``/ToUnicode`` maps.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from liplanet_cert.dossier import write_dossier

CMD = "liplanet-cert dossier --example -o out"
MAX_PAGES_APPROVED = 10
pytestmark = pytest.mark.slow  # headless Chromium


def _chromium() -> str:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)  # type: ignore[return-value]
    if os.environ.get("CI"):
        pytest.fail("headless Chromium is required under CI (apt-get install chromium)")
    pytest.skip("chromium not installed: the print checks need a headless browser")


def _run(browser: str, tmp: Path, *args: str) -> None:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"  # a new, empty profile each run
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)


def _print_pdf(browser: str, html: Path, tmp: Path) -> bytes:
    pdf = tmp / (html.stem + ".pdf")
    _run(browser, tmp, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri())
    return pdf.read_bytes()


# --------------------------------------------------------------------------------------------
# a minimal PDF reader (enough for Chromium's output)
# --------------------------------------------------------------------------------------------

_OBJ_RE = re.compile(rb"(\d+)\s+0\s+obj\b(.*?)\bendobj", re.S)


def _objects(pdf: bytes) -> dict[int, bytes]:
    objs = {int(m.group(1)): m.group(2) for m in _OBJ_RE.finditer(pdf)}
    for body in list(objs.values()):  # objects packed into object streams, if any
        if re.search(rb"/Type\s*/ObjStm\b", body):
            data = _stream(body)
            first = int(re.search(rb"/First\s+(\d+)", body).group(1))
            nums = [int(x) for x in data[:first].split()]
            offsets = list(zip(nums[0::2], nums[1::2]))
            for i, (num, off) in enumerate(offsets):
                end = offsets[i + 1][1] if i + 1 < len(offsets) else len(data) - first
                objs.setdefault(num, data[first + off : first + end])
    return objs


def _stream(body: bytes) -> bytes:
    m = re.search(rb"stream\r?\n", body)
    if not m:
        return b""
    raw = body[m.end() :]
    raw = raw[: raw.rfind(b"endstream")] if b"endstream" in raw else raw
    if re.search(rb"/Filter\s*/FlateDecode", body[: m.start()]):
        return zlib.decompressobj().decompress(raw)
    return raw


def _page_objects(objs: dict[int, bytes]) -> list[bytes]:
    """The page objects in document order (following /Kids from the root /Pages)."""
    kids_of = {}
    for num, body in objs.items():
        if re.search(rb"/Type\s*/Pages\b", body):
            kids_of[num] = [
                int(k)
                for k in re.findall(rb"(\d+)\s+0\s+R", re.search(rb"/Kids\s*\[(.*?)\]", body, re.S).group(1))
            ]
    children = {k for kids in kids_of.values() for k in kids}
    roots = [n for n in kids_of if n not in children]

    def walk(num: int) -> list[bytes]:
        if num in kids_of:
            return [p for k in kids_of[num] for p in walk(k)]
        return [objs[num]] if re.search(rb"/Type\s*/Page(?![s\w])", objs.get(num, b"")) else []

    return [p for r in roots for p in walk(r)]


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF: its ``/Type /Page`` objects (never ``/Pages``), read without poppler."""
    return len(_page_objects(_objects(pdf)))


def _cmap(data: bytes) -> dict[int, str]:
    out: dict[int, str] = {}

    def uni(hexs: bytes) -> str:
        return bytes.fromhex(hexs.decode()).decode("utf-16-be", "replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(src, 16)] = uni(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block
        ):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if dst.startswith(b"["):
                for i, d in enumerate(re.findall(rb"<([0-9A-Fa-f]*)>", dst)):
                    out[lo_i + i] = uni(d)
            else:
                base = bytes.fromhex(dst[1:-1].decode())
                for i in range(hi_i - lo_i + 1):
                    code = int.from_bytes(base, "big") + i
                    out[lo_i + i] = code.to_bytes(len(base), "big").decode("utf-16-be", "replace")
    return out


def _ref(body: bytes, key: bytes) -> int | None:
    m = re.search(rb"/" + key + rb"\s+(\d+)\s+0\s+R", body)
    return int(m.group(1)) if m else None


def _fonts(res: bytes, objs: dict[int, bytes]) -> dict[bytes, tuple[dict[int, str], int]]:
    fonts = {}
    fm = re.search(rb"/Font\s*<<(.*?)>>", res, re.S)
    for name, num in re.findall(rb"/([\w.+-]+)\s+(\d+)\s+0\s+R", fm.group(1) if fm else b""):
        font = objs.get(int(num), b"")
        tu = _ref(font, b"ToUnicode")
        width = 2 if re.search(rb"/Subtype\s*/Type0\b", font) else 1
        fonts[name] = (_cmap(_stream(objs[tu])) if tu is not None else {}, width)
    return fonts


def _resources(body: bytes, objs: dict[int, bytes]) -> bytes:
    num = _ref(body, b"Resources")
    return objs[num] if num is not None else body


def _text_of(content: bytes, res: bytes, objs: dict[int, bytes], depth: int = 0) -> str:
    """Decode the text-showing operators of a content stream; form XObjects (used for opacity) are
    followed where they are drawn."""
    fonts = _fonts(res, objs)
    xm = re.search(rb"/XObject\s*<<(.*?)>>", res, re.S)
    xobjects = {n: int(k) for n, k in re.findall(rb"/([\w.+-]+)\s+(\d+)\s+0\s+R", xm.group(1) if xm else b"")}
    out, current, in_text = [], ({}, 1), False
    for m in re.finditer(
        rb"/([\w.+-]+)\s+[-\d.]+\s+Tf|/([\w.+-]+)\s+Do\b|<([0-9A-Fa-f\s]*)>|\b(BT|ET)\b", content
    ):
        if m.group(4):
            in_text = m.group(4) == b"BT"
            out.append("\n")
        elif m.group(1) is not None:
            current = fonts.get(m.group(1), ({}, 1))
        elif m.group(2) is not None:
            body = objs.get(xobjects.get(m.group(2), -1), b"")
            if depth < 8 and re.search(rb"/Subtype\s*/Form\b", body):
                out.append(_text_of(_stream(body), _resources(body, objs), objs, depth + 1))
        elif in_text:
            raw = bytes.fromhex(re.sub(rb"\s+", b"", m.group(3)).decode())
            cmap, width = current
            for i in range(0, len(raw) - width + 1, width):
                out.append(cmap.get(int.from_bytes(raw[i : i + width], "big"), ""))
    return "".join(out)


def pdf_page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in drawing order (Chromium writes glyph ids mapped by /ToUnicode)."""
    objs = _objects(pdf)
    texts = []
    for page in _page_objects(objs):
        cm = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+\s+0\s+R)", page)
        content = (
            b"".join(_stream(objs[int(n)]) for n in re.findall(rb"(\d+)\s+0\s+R", cm.group(1))) if cm else b""
        )
        texts.append(_text_of(content, _resources(page, objs), objs))
    return texts


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------------------------
# fixtures and tests
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> str:
    return _chromium()  # skips (or fails under CI) before anything is assessed


@pytest.fixture(scope="module")
def results(browser: str, tmp_path_factory: pytest.TempPathFactory):
    from liplanet_cert.assessment.core import assess
    from liplanet_cert.dossier.sample import sample_footprint
    from liplanet_cert.infra.resources import example_bundle

    bw = tmp_path_factory.mktemp("bw")
    out = {}
    for name in ("approved", "not-approved"):
        result = assess(example_bundle(name), bw_dir=bw)
        if (
            result.footprint is None
        ):  # until assess integrates the footprint, show the section with sample data
            result.footprint = sample_footprint()
        out[name] = result
    return out


@pytest.fixture(scope="module")
def dossier_html(results, tmp_path_factory: pytest.TempPathFactory) -> Path:
    html, _md = write_dossier(results["approved"], tmp_path_factory.mktemp("dossier"), command=CMD)
    return html


def test_chromium_renders_png_and_a4_pdf(browser: str, dossier_html: Path, tmp_path: Path):
    png = tmp_path / "dossier.png"
    url = dossier_html.resolve().as_uri()
    _run(browser, tmp_path, f"--screenshot={png}", "--window-size=1280,4000", "--hide-scrollbars", url)
    pdf_bytes = _print_pdf(browser, dossier_html, tmp_path)

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 4000)
    assert len(data) > 150_000  # a blank or broken page compresses to a few kB

    assert pdf_bytes.startswith(b"%PDF-")
    assert len(pdf_bytes) > 50_000
    assert pdf_page_count(pdf_bytes) >= 4  # a real multi-page document
    # A4 media box (595 x 842 pt)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf_bytes)
    assert box is not None and abs(float(box.group(1)) - 595) < 2 and abs(float(box.group(2)) - 842) < 2


def test_approved_example_prints_in_at_most_ten_pages_with_running_header(
    browser: str, results, dossier_html: Path, tmp_path: Path
):
    pdf = _print_pdf(browser, dossier_html, tmp_path)
    pages = pdf_page_texts(pdf)
    n = len(pages)
    assert n == pdf_page_count(pdf) == len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert 1 <= n <= MAX_PAGES_APPROVED, f"the approved example prints on {n} A4 pages"
    result = results["approved"]
    ref = f"{result.criteria.id}@{result.criteria.version}"
    for i, text in enumerate(pages, start=1):
        flat = _flat(text)
        # footer "page x of y" and the running header (line, verdict, pack) on every page
        assert f"page {i} of {n}" in flat, f"page {i}: no page footer"
        assert result.pilot_line["name"] in flat and "APPROVED" in flat and ref in flat, (
            f"page {i}: no running header"
        )
    body = _flat("".join(pages))
    # the pack is cited, never dumped; the cover says what the seal is
    assert f"liplanet-cert criteria show {ref}" in body
    assert "check: {metric:" not in body and "criteria:" not in body
    assert "Verdict: Approved".upper() in body.upper()


def test_not_approved_example_prints_cleanly(browser: str, results, tmp_path: Path):
    result = results["not-approved"]
    html, _md = write_dossier(
        result, tmp_path / "out", command="liplanet-cert dossier examples/bundles/not-approved -o out"
    )
    pdf = _print_pdf(browser, html, tmp_path)
    pages = pdf_page_texts(pdf)
    n = len(pages)
    assert n <= MAX_PAGES_APPROVED + 3, (
        f"the not-approved example prints on {n} pages"
    )  # seven finding cards more
    for i, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert f"page {i} of {n}" in flat and "NOT APPROVED" in flat
    first = _flat(pages[0])
    assert "VERDICT: NOT APPROVED" in first.upper()
    assert "SEAL" not in first.replace("seal is not awarded", "")  # no seal drawn, only said not awarded
    # every failed criterion is on the first page's "What matters most"
    for f in result.findings:
        if f.status.value in ("fail", "error"):
            assert f.id in first, f.id


LONG_NAME = (
    "Forschungszentrum für elektrochemische Energiespeicher und Batteriezellfertigung — "
    "Pilotlinie 3 für großformatige Pouchzellen am Referenzstandort Nord"
)


def test_the_verdict_is_in_the_running_header_of_every_page_whatever_the_name_length(
    browser: str, results, tmp_path: Path
):
    import copy

    result = copy.deepcopy(results["not-approved"])
    result.pilot_line = {**(result.pilot_line or {}), "name": LONG_NAME}
    assert 140 <= len(LONG_NAME) <= 160
    html, _md = write_dossier(
        result, tmp_path / "out", command="liplanet-cert dossier examples/bundles/not-approved -o out"
    )
    pages = pdf_page_texts(_print_pdf(browser, html, tmp_path))
    assert len(pages) >= 4
    for i, text in enumerate(pages, start=1):
        flat = _flat(text)
        # the header leads with the verdict; only the name is shortened (ellipsis), never the verdict
        assert "NOT APPROVED · Forschungszentrum" in flat, (
            f"page {i}: verdict not in the running header: {flat[:200]!r}"
        )
