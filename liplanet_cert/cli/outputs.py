"""What the commands write besides stdout, shared by ``assess``, ``validate`` and ``dossier``: the
``--output`` reports (all or nothing, then stdout), a refused bundle still reported in the formats
asked for, the audit dossier, and the detached signatures of every written file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liplanet_cert.cli.app import console
from liplanet_cert.errors import UsageError

if TYPE_CHECKING:
    from liplanet_cert.assessment.result import Result, Unassessed
    from liplanet_cert.reporters.base import Reporter

Outputs = list[tuple["Reporter", Path]]


def emit(result: Result, reporter: Reporter, outs: Outputs) -> None:
    """The ``--output`` files, all or nothing, then stdout."""
    from liplanet_cert.infra.atomic import write_all

    write_all(
        [(p, r.render(result).encode("utf-8")) for r, p in outs]
    )  # rendered first: nothing half-written
    reporter.print_result(result)


@contextmanager
def reporting_refusal(path: Path, reporter: Reporter, outs: Outputs) -> Iterator[None]:
    """An invalid bundle is still reported in the machine formats asked for (stdout and every
    ``--output``: JSON of the published schema, SARIF results at each problem's file and line,
    JUnit errors), so a pilot line's CI gets the problems exactly when it needs them; exit 2 all the
    same.  Problems with the command line, criteria or waivers write nothing."""
    from liplanet_cert.errors import BundleError

    try:
        yield
    except BundleError as exc:
        from liplanet_cert.assessment.result import Unassessed

        report_unassessed(Unassessed.from_error(str(path), exc), reporter, outs)
        exc.reported = [p for _r, p in outs]  # type: ignore[attr-defined]
        raise


def report_unassessed(item: Unassessed, reporter: Reporter, outs: Outputs) -> None:
    """A bundle that was refused (or only validated): the ``--output`` files, then stdout."""
    from liplanet_cert.infra.atomic import write_all

    write_all([(p, r.render_unassessed(item).encode("utf-8")) for r, p in outs])
    reporter.print_unassessed(item)


def signing_key(sign: Path | None, writes_files: bool) -> Any:
    """The private key of ``--sign``, loaded before anything is written (None without ``--sign``)."""
    if sign is None:
        return None
    if not writes_files:
        raise UsageError(
            "--sign signs the files written: add --output FILE (or --dossier DIR)", file="--sign"
        )
    from liplanet_cert.integrity.signing import load_private_key

    return load_private_key(sign)


def sign(key: Any, paths: list[Path]) -> None:
    """Sign each written file (``<file>.sig``) with ``key`` (nothing when None), then name them."""
    if key is None:
        return
    from liplanet_cert.integrity.signing import sign_file

    for sig in [sign_file(p, key) for p in paths]:
        console(stderr=True).print(f"signed {sig}", markup=False)


def deliver(text: str, output: Path | None, *, stdout: bool) -> None:
    """Print ``text`` and/or write it atomically to ``output``."""
    if stdout:
        sys.stdout.write(text)
    if output is not None:
        from liplanet_cert.infra.atomic import write_all

        write_all([(output, text.encode("utf-8"))])


def write_dossier(
    result: Result, out_dir: Path, formats: tuple[str, ...], network: dict[str, Any] | None = None
) -> list[Path]:
    """The audit dossier of ``result`` in ``out_dir``, each file named on stderr; ``network``: where
    the line stands in a batch run (``--network``, plain data), for its section of the dossier."""
    from liplanet_cert.dossier import write_dossier as write

    command = " ".join(["liplanet-cert", *sys.argv[1:]]) if sys.argv else "liplanet-cert"
    paths = write(result, out_dir, formats, command=command, network=network)
    for p in paths:
        console(stderr=True).print(f"wrote {p}", markup=False)
    return paths
