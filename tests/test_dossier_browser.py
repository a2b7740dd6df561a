"""Render the dossier in headless Chromium to a PNG and an A4 PDF and check both are real.

Skipped when no Chromium is installed, except under CI (``CI`` set), where a missing browser
fails the test: `.ci/run` installs Debian's ``chromium``.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from liplanet_cert.dossier import write_dossier

CMD = "liplanet-cert dossier --example -o out"


def _chromium() -> str:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)  # type: ignore[return-value]
    if os.environ.get("CI"):
        pytest.fail("headless Chromium is required under CI (apt-get install chromium)")
    pytest.skip("chromium not installed")


def _run(browser: str, tmp: Path, *args: str) -> None:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}", *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)


@pytest.fixture(scope="module")
def dossier_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from liplanet_cert.assessment import assess
    from liplanet_cert.dossier.sample import sample_footprint
    from liplanet_cert.resources import example_bundle

    tmp = tmp_path_factory.mktemp("dossier")
    result = assess(example_bundle("approved"), bw_dir=tmp / "bw")
    if result.footprint is None:  # until assess integrates the footprint, show the section with sample data
        result.footprint = sample_footprint()
    html, _md = write_dossier(result, tmp / "out", command=CMD)
    return html


def test_chromium_renders_png_and_a4_pdf(dossier_html: Path, tmp_path: Path):
    browser = _chromium()
    png, pdf = tmp_path / "dossier.png", tmp_path / "dossier.pdf"
    url = dossier_html.resolve().as_uri()
    _run(browser, tmp_path, f"--screenshot={png}", "--window-size=1280,4000", "--hide-scrollbars", url)
    _run(browser, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 4000)
    assert len(data) > 150_000  # a blank or broken page compresses to a few kB

    pdf_bytes = pdf.read_bytes()
    assert pdf_bytes.startswith(b"%PDF-")
    assert len(pdf_bytes) > 50_000
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf_bytes))
    assert pages >= 6  # cover + one page per section (print stylesheet breaks before each)
    # A4 media box (595 x 842 pt)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf_bytes)
    assert box is not None and abs(float(box.group(1)) - 595) < 2 and abs(float(box.group(2)) - 842) < 2
