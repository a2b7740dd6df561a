"""Size limits per kind of file: the logs may be large (LIPLANET_MAX_LOG_BYTES, default 512 MiB),
the declaration, the evidence and any other file stay small (LIPLANET_MAX_FILE_BYTES, 64 MiB)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from helpers import squash
from typer.testing import CliRunner

from liplanet_cert.bundle.limits import Limits
from liplanet_cert.cli.main import app

runner = CliRunner()
EOL_BYTES = 44227  # examples/bundles/approved/eol_tests.csv, the largest file of the example


def validate(bundle: Path, env: dict[str, str]) -> tuple[int, str]:
    r = runner.invoke(app, ["validate", str(bundle)], env=env)
    assert "Traceback" not in r.output
    return r.exit_code, squash(r.output)


def test_the_defaults() -> None:
    limits = Limits.from_env({})
    assert (limits.max_file_bytes, limits.max_log_bytes, limits.max_bundle_bytes) == (
        64 * 2**20,
        512 * 2**20,
        2**30,
    )


def test_a_log_larger_than_the_file_limit_is_read_under_the_log_limit(make_bundle) -> None:
    b = make_bundle("approved")
    code, out = validate(b.path, {"LIPLANET_MAX_FILE_BYTES": "30000", "LIPLANET_MAX_LOG_BYTES": "50000"})
    assert code == 0, out  # eol_tests.csv (44,227 bytes) is a log: 50,000 allowed


def test_a_log_over_the_log_limit(make_bundle) -> None:
    b = make_bundle("approved")
    code, out = validate(b.path, {"LIPLANET_MAX_LOG_BYTES": "40000"})
    assert code == 2
    assert "eol_tests.csv whole file: file too large: limit 40000 bytes (LIPLANET_MAX_LOG_BYTES)" in out
    assert f"{EOL_BYTES} bytes" in out  # refused from its size, before its bytes were read


def test_evidence_is_held_to_the_file_limit(make_bundle) -> None:
    b = make_bundle("approved")
    (b.path / "evidence" / "scan.pdf").write_bytes(b"%PDF" + bytes(40000))
    code, out = validate(b.path, {"LIPLANET_MAX_FILE_BYTES": "30000", "LIPLANET_MAX_LOG_BYTES": "50000"})
    assert code == 2
    assert "evidence/scan.pdf whole file: file too large: limit 30000 bytes (LIPLANET_MAX_FILE_BYTES)" in out


def test_the_file_limit_alone_still_caps_the_logs(make_bundle) -> None:
    # set before logs had their own limit, LIPLANET_MAX_FILE_BYTES keeps capping every file
    assert Limits.from_env({"LIPLANET_MAX_FILE_BYTES": "1000"}).max_log_bytes == 1000
    code, out = validate(make_bundle("approved").path, {"LIPLANET_MAX_FILE_BYTES": "40000"})
    assert code == 2 and "limit 40000 bytes (LIPLANET_MAX_FILE_BYTES)" in out


def test_a_zip_entry_over_every_limit_is_refused_from_its_header(make_bundle, tmp_path: Path) -> None:
    b = make_bundle("approved")
    z = tmp_path / "bundle.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(b.path.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(b.path).as_posix())
    code, out = validate(z, {"LIPLANET_MAX_FILE_BYTES": "20000", "LIPLANET_MAX_LOG_BYTES": "30000"})
    assert code == 2
    assert "zip entry 'eol_tests.csv': file too large: limit 30000 bytes (LIPLANET_MAX_LOG_BYTES)" in out
