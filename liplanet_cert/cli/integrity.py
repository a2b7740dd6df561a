"""``liplanet-cert verify`` and ``liplanet-cert keygen``: integrity of results (see
:mod:`liplanet_cert.integrity`).

Exit codes of ``verify``: 0 the result matches the bundle and criteria (and the signature is
valid, when checked) · 1 something differs or the signature is bad · 2 invalid input (unreadable
result, bundle, key or signature file) · 3 internal error.
"""

from __future__ import annotations

from pathlib import Path

import typer

from liplanet_cert.cli.app import CRITERIA_HELP, app, console, present, run, table_or_json
from liplanet_cert.errors import UsageError


@app.command()
def verify(
    result: Path = typer.Argument(
        ..., help="A JSON result written by assess (-o json:FILE or --format json)."
    ),
    bundle: Path = typer.Argument(..., help="The bundle directory or .zip the result claims to describe."),
    key: Path | None = typer.Option(
        None, "--key", help="Public key (PEM) to check the result's detached signature with."
    ),
    signature: Path | None = typer.Option(
        None, "--signature", help="Signature file (default: RESULT.sig). Needs --key."
    ),
    criteria: str | None = typer.Option(
        None,
        "--criteria",
        "-c",
        help="Criteria pack file, when the result's pack is not shipped with the tool. " + CRITERIA_HELP,
    ),
    waivers: Path | None = typer.Option(
        None, "--waivers", help="The waiver file the result was assessed with, if any."
    ),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
    bw_dir: Path | None = typer.Option(
        None,
        "--bw-dir",
        envvar="LIPLANET_BW_DIR",
        help="Brightway data directory (results with a footprint).",
    ),
) -> None:
    """Check that a result still belongs to exactly this bundle and these criteria.

    Recomputes the sha256 of every bundle file and of the criteria pack, and the assessment
    itself on the recorded day; lists every difference (files by path, criteria sha256,
    verdict, findings).  Exit 0 matches · 1 differs or bad signature · 2 invalid input.

    [bold]Examples[/bold]

      liplanet-cert verify result.json bundles/nordwerk.zip

      liplanet-cert verify result.json bundles/nordwerk.zip --key certifier.pub
    """

    def body() -> int:
        from liplanet_cert.integrity.signing import verify_signature
        from liplanet_cert.integrity.verify import verify as do_verify
        from liplanet_cert.reporters.views.verify import VerifyView

        table_or_json(format)
        if signature is not None and key is None:
            raise UsageError("--signature needs --key PUBKEY", file="command line")
        sig_ok: bool | None = None
        if key is not None:
            sig_ok = verify_signature(result, signature, key)
        wset = None
        if waivers is not None:
            from liplanet_cert.assessment.waivers import load_waivers

            wset = load_waivers(waivers)
        report = do_verify(result, bundle, criteria=criteria, bw_dir=bw_dir, waivers=wset)
        if sig_ok is not None:
            report.signature = "valid" if sig_ok else "invalid"
        present(VerifyView(), report, format)
        return report.exit_code

    run(body)


@app.command()
def keygen(
    prefix: Path = typer.Argument(..., help="Writes PREFIX.key (private, mode 0600) and PREFIX.pub."),
) -> None:
    """Make an Ed25519 key pair for signing results and dossiers (assess/dossier --sign).

    Never overwrites a file.  Keep PREFIX.key secret; give PREFIX.pub to whoever verifies.

    [bold]Example[/bold]

      liplanet-cert keygen keys/certifier && liplanet-cert assess BUNDLE -o json:r.json --sign keys/certifier.key
    """

    def body() -> int:
        from liplanet_cert.integrity.signing import keygen as do_keygen

        priv, pub = do_keygen(prefix)
        from liplanet_cert.infra.textsafe import say

        say(
            console(),
            f"wrote {priv} (private key, mode 0600: keep it secret)\nwrote {pub} (public key: give it to verifiers)",
        )
        return 0

    run(body)
