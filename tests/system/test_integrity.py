"""Integrity: ``verify`` recomputes hashes and the assessment and names what differs; Ed25519
signatures from ``keygen``/``--sign`` verify, and any change to a signed file fails."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from helpers import EXAMPLES, PACK_2026, squash
from typer.testing import CliRunner

from liplanet_cert.cli.main import app
from liplanet_cert.errors import LiplanetError
from liplanet_cert.integrity.signing import keygen, sign_file, verify_signature
from liplanet_cert.integrity.verify import verify

runner = CliRunner()
AT = "2026-10-15"
FILES = [
    "declaration.yaml",
    "production_log.csv",
    "eol_tests.csv",
    "energy.csv",
    "quality_log.csv",
    "evidence/formation-equipment-calibration.txt",
]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A key pair, a bundle copy and its JSON result, written and signed through the CLI."""
    root = tmp_path_factory.mktemp("integrity")
    bundle = root / "bundle"
    shutil.copytree(EXAMPLES / "approved", bundle)
    r = runner.invoke(app, ["keygen", str(root / "keys" / "certifier")])
    assert r.exit_code == 0, r.output
    result = root / "out" / "result.json"
    r = runner.invoke(
        app,
        [
            "assess",
            str(bundle),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "-f",
            "json",
            "-o",
            f"json:{result}",
            "-o",
            f"csv:{root / 'out' / 'result.csv'}",
            "--sign",
            str(root / "keys" / "certifier.key"),
        ],
    )
    assert r.exit_code == 0, r.output
    return {
        "root": root,
        "bundle": bundle,
        "result": result,
        "key": root / "keys" / "certifier.key",
        "pub": root / "keys" / "certifier.pub",
    }


def _copy(signed: dict[str, Path], tmp_path: Path) -> Path:
    dest = tmp_path / "bundle"
    shutil.copytree(signed["bundle"], dest)
    return dest


def test_result_records_provenance(signed) -> None:
    doc = json.loads(signed["result"].read_text(encoding="utf-8"))
    assert {i["path"] for i in doc["inputs"]} == set(FILES)
    assert all(len(i["sha256"]) == 64 for i in doc["inputs"])
    assert len(doc["criteria"]["sha256"]) == 64
    for key in ("version", "python", "bw2data", "bw2calc", "bw2io"):
        assert doc["tool"][key], key


def test_untouched_bundle_matches(signed) -> None:
    r = runner.invoke(
        app, ["verify", str(signed["result"]), str(signed["bundle"]), "--key", str(signed["pub"])]
    )
    assert r.exit_code == 0, r.output
    assert "signature valid" in r.output and "matches" in r.output


@pytest.mark.parametrize("name", FILES)
def test_a_changed_byte_in_any_input_is_detected(signed, tmp_path: Path, name: str) -> None:
    bundle = _copy(signed, tmp_path)
    path = bundle / name
    data = bytearray(path.read_bytes())
    i = len(data) // 2
    while not chr(data[i]).isdigit():  # change a digit: the file stays valid text, only its meaning moves
        i += 1
    data[i] = ord("7") if data[i] != ord("7") else ord("3")
    path.write_bytes(bytes(data))
    report = verify(signed["result"], bundle)
    assert not report.matches and report.exit_code == 1
    assert [d.what for d in report.differences if d.kind == "input-changed"] == [name]
    r = runner.invoke(app, ["verify", str(signed["result"]), str(bundle)])
    assert r.exit_code == 1 and f"input-changed: {name}" in squash(r.output)


def test_added_and_removed_files_are_named(signed, tmp_path: Path) -> None:
    bundle = _copy(signed, tmp_path)
    (bundle / "evidence" / "extra.pdf").write_bytes(b"%PDF-1.4")
    shutil.copy(
        bundle / "evidence" / "formation-equipment-calibration.txt", bundle / "evidence" / "renamed.txt"
    )
    (bundle / "evidence" / "formation-equipment-calibration.txt").unlink()
    report = verify(signed["result"], bundle)
    kinds = {(d.kind, d.what) for d in report.differences}
    assert ("input-added", "evidence/extra.pdf") in kinds
    assert ("input-removed", "evidence/formation-equipment-calibration.txt") in kinds
    assert any(
        d.kind == "bundle" for d in report.differences
    )  # the declared evidence is gone: no longer valid


def test_a_changed_value_shows_in_verdict_findings_and_sections(signed, tmp_path: Path) -> None:
    bundle = _copy(signed, tmp_path)
    log = bundle / "production_log.csv"
    log.write_text(
        log.read_text(encoding="utf-8").replace(
            "2026-09-01,mixing,L01,48,48,0,", "2026-09-01,mixing,L01,48,28,20,", 1
        ),
        encoding="utf-8",
    )
    report = verify(signed["result"], bundle)
    findings = [d.what for d in report.differences if d.kind == "finding"]
    assert any(f.startswith("QUAL-SCRAP-MIXING") for f in findings)
    assert ("verdict", "approved", "not_approved") in {
        (d.kind, d.recorded, d.recomputed) for d in report.differences
    }
    assert any(d.kind == "section" and d.what.startswith("steps/") for d in report.differences)


def test_a_changed_criteria_pack_is_detected(signed, tmp_path: Path) -> None:
    import yaml

    from liplanet_cert.infra.resources import data_dir

    pack_file = data_dir("criteria") / "liplanet-2026-2.0.0.yaml"
    doc = yaml.safe_load(pack_file.read_text(encoding="utf-8"))
    doc["criteria"][0]["title"] += " (edited)"
    edited = tmp_path / "liplanet-2026-2.0.0.yaml"
    edited.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    report = verify(signed["result"], signed["bundle"], criteria=str(edited))
    crit = [d for d in report.differences if d.kind == "criteria"]
    assert len(crit) == 1 and "sha256" in crit[0].what
    recorded = json.loads(signed["result"].read_text(encoding="utf-8"))["criteria"]["sha256"]
    assert crit[0].recorded == recorded and crit[0].recomputed != recorded
    r = runner.invoke(
        app, ["verify", str(signed["result"]), str(signed["bundle"]), "--criteria", str(edited)]
    )
    assert r.exit_code == 1 and "criteria: liplanet-2026@2.0.0 sha256" in squash(r.output)
    # the same pack, unedited, given as a file, matches
    same = tmp_path / "same.yaml"
    same.write_bytes(pack_file.read_bytes())
    assert verify(signed["result"], signed["bundle"], criteria=str(same)).matches


def test_a_result_whose_recorded_pack_sha_was_edited(signed, tmp_path: Path) -> None:
    doc = json.loads(signed["result"].read_text(encoding="utf-8"))
    doc["criteria"]["sha256"] = "0" * 64
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), encoding="utf-8")
    report = verify(forged, signed["bundle"])
    assert [d.kind for d in report.differences] == ["criteria"]


def test_a_forged_verdict_is_detected(signed, tmp_path: Path) -> None:
    text = signed["result"].read_text(encoding="utf-8")
    forged = tmp_path / "forged.json"
    doc = json.loads(text)
    doc["findings"][0]["status"] = "fail"
    doc["verdict"] = "not_approved"
    forged.write_text(json.dumps(doc), encoding="utf-8")
    report = verify(forged, signed["bundle"])
    assert {d.kind for d in report.differences} >= {"verdict", "finding"}


# -- signatures ------------------------------------------------------------------------------
def test_keygen_writes_a_private_key_only_the_owner_can_read(signed, tmp_path: Path) -> None:
    assert stat.S_IMODE(os.stat(signed["key"]).st_mode) == 0o600
    assert signed["key"].read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----")
    assert signed["pub"].read_text(encoding="ascii").startswith("-----BEGIN PUBLIC KEY-----")
    r = runner.invoke(app, ["keygen", str(signed["root"] / "keys" / "certifier")])
    assert r.exit_code == 2 and "refusing to overwrite" in squash(r.output)


def test_assess_signed_every_written_file(signed) -> None:
    for name in ("result.json", "result.csv"):
        path = signed["root"] / "out" / name
        assert verify_signature(path, None, signed["pub"]) is True


def test_a_tampered_signed_file_fails(signed, tmp_path: Path) -> None:
    forged = tmp_path / "result.json"
    forged.write_bytes(signed["result"].read_bytes().replace(b'"approved"', b'"approved" '))
    shutil.copy(str(signed["result"]) + ".sig", str(forged) + ".sig")
    assert verify_signature(forged, None, signed["pub"]) is False
    r = runner.invoke(app, ["verify", str(forged), str(signed["bundle"]), "--key", str(signed["pub"])])
    assert r.exit_code == 1 and "signature does NOT verify" in squash(r.output)


def test_another_key_fails(signed, tmp_path: Path) -> None:
    _priv, other_pub = keygen(tmp_path / "other")
    assert verify_signature(signed["result"], None, other_pub) is False
    r = runner.invoke(
        app,
        [
            "verify",
            str(signed["result"]),
            str(signed["bundle"]),
            "--key",
            str(other_pub),
            "--signature",
            str(signed["result"]) + ".sig",
        ],
    )
    assert r.exit_code == 1


def test_sign_file_and_verify_round_trip(tmp_path: Path) -> None:
    priv, pub = keygen(tmp_path / "k")
    f = tmp_path / "dossier.html"
    f.write_bytes(b"<html>dossier</html>")
    sig = sign_file(f, priv)
    assert sig == tmp_path / "dossier.html.sig" and len(sig.read_bytes().strip()) == 88  # base64 of 64 bytes
    assert verify_signature(f, sig, pub)
    f.write_bytes(b"<html>dossieR</html>")
    assert not verify_signature(f, sig, pub)


@pytest.mark.parametrize("content,needle", [(b"not base64 !!", "not base64"), (b"QUJD\n", "wrong length")])
def test_malformed_signature_is_invalid_input(signed, tmp_path: Path, content: bytes, needle: str) -> None:
    sig = tmp_path / "bad.sig"
    sig.write_bytes(content)
    r = runner.invoke(
        app,
        [
            "verify",
            str(signed["result"]),
            str(signed["bundle"]),
            "--key",
            str(signed["pub"]),
            "--signature",
            str(sig),
        ],
    )
    assert r.exit_code == 2 and needle in squash(r.output) and "Traceback" not in r.output


def test_malformed_key_is_invalid_input(signed, tmp_path: Path) -> None:
    key = tmp_path / "bad.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", encoding="ascii")
    r = runner.invoke(app, ["verify", str(signed["result"]), str(signed["bundle"]), "--key", str(key)])
    assert r.exit_code == 2 and "bad.pem" in r.output
    r = runner.invoke(
        app,
        [
            "assess",
            str(signed["bundle"]),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "-o",
            f"json:{tmp_path / 'o' / 'r.json'}",
            "--sign",
            str(key),
        ],
    )
    assert r.exit_code == 2 and not (tmp_path / "o").exists()


def test_sign_without_an_output_file_is_a_usage_error(signed) -> None:
    r = runner.invoke(
        app,
        [
            "assess",
            str(signed["bundle"]),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "--sign",
            str(signed["key"]),
        ],
    )
    assert r.exit_code == 2 and "--sign" in r.output


@pytest.mark.parametrize("content", [b"", b"[1, 2]", b'{"verdict": "approved"}', b"{not json", b"\xff\xfe"])
def test_verify_rejects_what_is_not_a_result(signed, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    r = runner.invoke(app, ["verify", str(bad), str(signed["bundle"])])
    assert r.exit_code == 2 and "bad.json" in r.output and "Traceback" not in r.output
    with pytest.raises(LiplanetError):
        verify(bad, signed["bundle"])


def test_verify_with_a_missing_bundle_is_invalid_input(signed, tmp_path: Path) -> None:
    r = runner.invoke(app, ["verify", str(signed["result"]), str(tmp_path / "nope")])
    assert r.exit_code == 2 and "bundle not found" in squash(r.output)


def test_verify_never_modifies_the_bundle(signed) -> None:
    before = {p: p.read_bytes() for p in signed["bundle"].rglob("*") if p.is_file()}
    verify(signed["result"], signed["bundle"])
    assert {p: p.read_bytes() for p in signed["bundle"].rglob("*") if p.is_file()} == before


def test_verify_json_report(signed) -> None:
    r = runner.invoke(app, ["verify", str(signed["result"]), str(signed["bundle"]), "-f", "json"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["matches"] is True and doc["differences"] == [] and doc["recomputed_verdict"] == "approved"


def test_dossier_sign_signs_each_dossier_file(signed, tmp_path: Path) -> None:
    out = tmp_path / "dossier"
    r = runner.invoke(
        app,
        [
            "dossier",
            str(signed["bundle"]),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "-o",
            str(out),
            "--sign",
            str(signed["key"]),
        ],
    )
    assert r.exit_code == 0, r.output
    files = sorted(p for p in out.iterdir() if p.suffix != ".sig")
    assert files and all(verify_signature(p, None, signed["pub"]) for p in files)
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".sig") == sorted(
        p.name + ".sig" for p in files
    )


def test_verify_with_footprint_recomputes_it(tmp_path: Path) -> None:
    """A result with a footprint (2.1.0 pack) is reproduced, including the LCA model hash."""
    result = tmp_path / "r.json"
    r = runner.invoke(
        app,
        [
            "assess",
            str(EXAMPLES / "approved"),
            "-c",
            "liplanet-2026@2.1.0",
            "--at",
            AT,
            "-o",
            f"json:{result}",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(result.read_text(encoding="utf-8"))["footprint"]["model"]["sha256"]
    report = verify(result, EXAMPLES / "approved")
    assert report.matches, report.differences
    doc = json.loads(result.read_text(encoding="utf-8"))
    doc["footprint"]["model"]["sha256"] = "f" * 64
    result.write_text(json.dumps(doc), encoding="utf-8")
    assert "lca-model" in {d.kind for d in verify(result, EXAMPLES / "approved").differences}


WAIVERS = """\
waivers:
  - id: W-FORM
    criterion: QUAL-SCRAP-FORMATION
    pilot_line: Vistula Cylindrical Line
    justification: Formation cycler replaced; lots reworked.
    approver: Board
    granted_on: "2026-10-01"
    expires_on: "2027-03-31"
"""


def test_verify_re_applies_the_recorded_waiver_file_and_names_a_different_one(tmp_path: Path) -> None:
    bundle = tmp_path / "vistula"
    shutil.copytree(EXAMPLES / "not-approved", bundle)
    wfile = tmp_path / "waivers.yaml"
    wfile.write_text(WAIVERS, encoding="utf-8")
    result = tmp_path / "result.json"
    r = runner.invoke(
        app,
        [
            "assess",
            str(bundle),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "--waivers",
            str(wfile),
            "-o",
            f"json:{result}",
        ],
    )
    assert r.exit_code in (0, 1), r.output
    doc = json.loads(result.read_text(encoding="utf-8"))
    assert doc["waivers"]["file"] == str(wfile) and len(doc["waivers"]["sha256"]) == 64
    assert any(f["status"] == "waived" for f in doc["findings"])

    # the recorded file is still there, unchanged: verify re-applies it by itself
    rep = verify(result, bundle)
    assert rep.matches, [str(d) for d in rep.differences]
    assert any("re-applied" in n for n in rep.notes)

    # another waiver file: named as a difference
    other = tmp_path / "other.yaml"
    other.write_text(WAIVERS.replace("2027-03-31", "2027-01-31"), encoding="utf-8")
    r = runner.invoke(app, ["verify", str(result), str(bundle), "--waivers", str(other)])
    assert r.exit_code == 1 and "waivers" in squash(r.output)

    # the file is gone: verify says which file (and sha256) it needs instead of listing waived findings as changed
    wfile.unlink()
    rep = verify(result, bundle)
    assert not rep.matches and [d.kind for d in rep.differences] == ["waivers"]
    assert "--waivers" in rep.differences[0].recomputed


def test_signing_with_a_missing_key_names_an_unreadable_key_not_verify(signed, tmp_path: Path) -> None:
    missing = tmp_path / "nokey.key"
    r = runner.invoke(
        app,
        [
            "assess",
            str(signed["bundle"]),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "-o",
            f"json:{tmp_path / 'o' / 'r.json'}",
            "--sign",
            str(missing),
        ],
    )
    assert r.exit_code == 2, r.output
    assert "cannot verify" not in r.output and "unreadable result, key or signature" in r.output, r.output
