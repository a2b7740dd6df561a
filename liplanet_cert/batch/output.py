"""The line files a run streams into its output directory: ``results.jsonl``, ``summary.csv`` and
(with ``--previous``) ``changes.csv``.

Each line reaches its file with one ``os.write`` and a failed or cut write is undone, so after a
crash, a kill or a full disk every file holds whole lines only (:class:`LineFile`).  A line is always
one line for every reader: ``dumps_line`` escapes NEL, U+2028/U+2029 and lone surrogates in
``results.jsonl``, and a CSV cell writes line breaks as visible escapes (:func:`_one_line`).  At the
end of a complete run the files are sorted by bundle (:func:`sort_outputs`), so reruns are
byte-identical.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from liplanet_cert.batch.changes import CHANGE_COLUMNS
from liplanet_cert.errors import OutputError

SUMMARY_COLUMNS = (
    "bundle",
    "pilot_line",
    "operator",
    "country",
    "status",
    "criteria",
    "failed_required",
    "failed_advisory",
    "not_evaluable",
    "waived",
    "footprint_kg_co2e_per_kwh",
    "footprint_main_production_kg_co2e_per_kwh",
    "result",
    "message",
)


class LineFile:
    """A file of whole lines.  Each line reaches the file as one ``os.write`` of its encoded bytes
    (no buffer that a full disk could cut at 4,096 bytes); a write that fails, comes up short or is
    interrupted (disk full, file size limit, Ctrl-C) is undone — the file is cut back to its last
    whole line — and a failure is an :class:`~liplanet_cert.errors.OutputError` naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        try:
            self.fd: int | None = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666
            )
        except OSError as exc:
            raise OutputError.cannot_write(path, exc) from None

    def write(self, text: str) -> None:
        assert self.fd is not None
        raw = text.encode("utf-8", "backslashreplace")
        data = memoryview(raw)
        try:
            while data:
                n = os.write(self.fd, data)
                if n <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                data = data[n:]
        except BaseException as exc:
            try:
                os.ftruncate(self.fd, self.size)
                os.lseek(self.fd, self.size, os.SEEK_SET)
            except OSError:
                pass
            if isinstance(exc, OSError):
                raise OutputError.cannot_write(self.path, exc) from None
            raise
        self.size += len(raw)

    def sync(self) -> None:
        if self.fd is not None:
            try:
                os.fsync(self.fd)
            except OSError as exc:
                raise OutputError.cannot_write(self.path, exc) from None

    def close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            try:
                os.fsync(fd)
            except OSError as exc:
                raise OutputError.cannot_write(self.path, exc) from None
            finally:
                os.close(fd)


class LineFiles:
    """Appends whole lines to results.jsonl / summary.csv / changes.csv (see :class:`LineFile`):
    after a crash, a kill or a full disk each file holds only complete lines."""

    def __init__(self, out: Path, with_changes: bool) -> None:
        from liplanet_cert.reporters.csv_ import csv_line

        self.out = out
        self.files: list[LineFile] = []
        self.jsonl = self._open(out / "results.jsonl")
        self.csv = self._open(out / "summary.csv")
        self.changes = self._open(out / "changes.csv") if with_changes else None
        self._csv_line = lambda cells: csv_line([_one_line(c) for c in cells])
        self.csv.write(self._csv_line(SUMMARY_COLUMNS))
        if self.changes:
            self.changes.write(self._csv_line(CHANGE_COLUMNS))
        self.n = 0

    def _open(self, path: Path) -> LineFile:
        try:
            f = LineFile(path)
        except BaseException:
            self.close(quiet=True)
            raise
        self.files.append(f)
        return f

    def write(self, line: dict[str, Any], change_row: list[Any] | None) -> None:
        """A bundle's line, its summary.csv row and (with changes.csv) its ``change_row``."""
        from liplanet_cert.reporters.jsonl import dumps_line

        public = {k: v for k, v in line.items() if not k.startswith("_") and k not in ("seconds", "reused")}
        self.jsonl.write(dumps_line(public))  # first: the line a rerun resumes from
        self.csv.write(self._csv_line(summary_row(line)))
        if self.changes is not None and change_row is not None:
            self.changes.write(self._csv_line(change_row))
        self.n += 1
        if self.n % 200 == 0:
            self.jsonl.sync()

    def close(self, quiet: bool = False) -> None:
        """fsync and close every file; the first failure is raised after all are closed (unless
        ``quiet``: the run is failing already)."""
        first: BaseException | None = None
        for f in self.files:
            try:
                f.close()
            except OutputError as exc:
                first = first or exc
        if first is not None and not quiet:
            raise first


def summary_row(line: dict[str, Any]) -> list[Any]:
    """A bundle's row of ``summary.csv`` (:data:`SUMMARY_COLUMNS`)."""
    pl = line.get("pilot_line") or {}
    findings = line.get("findings") or {}
    advisory = set(line.get("advisory") or [])
    crit = line.get("criteria") or {}
    return [
        line["bundle"],
        pl.get("name", ""),
        pl.get("operator", ""),
        pl.get("country", ""),
        line.get("status", ""),
        f"{crit.get('id')}@{crit.get('version')}" if crit else "",
        " ".join(sorted(k for k, v in findings.items() if v == "fail" and k not in advisory)),
        " ".join(sorted(k for k, v in findings.items() if v == "fail" and k in advisory)),
        " ".join(sorted(k for k, v in findings.items() if v == "error")),
        " ".join(sorted(k for k, v in findings.items() if v == "waived")),
        line.get("footprint_kg_co2e_per_kwh"),
        line.get("footprint_main_production_kg_co2e_per_kwh"),
        line.get("result") or "",
        line.get("message", ""),
    ]


_NOT_ONE_LINE = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\ud800-\udfff]")


def _one_line(value: Any) -> Any:
    """A CSV cell of summary.csv / changes.csv that keeps its row on one line, as UTF-8: line breaks of
    any kind (``str.splitlines``' list) and lone surrogates (a folder name that is not UTF-8) are
    written as visible escapes (``\\n``, ``\\u2028``, ``\\udcfc``)."""
    if not isinstance(value, str):
        return value
    return _NOT_ONE_LINE.sub(
        lambda m: {"\n": "\\n", "\r": "\\r"}.get(m.group(), f"\\u{ord(m.group()):04x}"), value
    )


def sort_outputs(out: Path, with_changes: bool) -> None:
    """Sort the line files of a complete run by bundle, so that complete runs are byte-identical."""
    _sort_file(out / "results.jsonl", False, _bundle_of_jsonl_line)
    _sort_file(out / "summary.csv", True, _bundle_of_csv_line)
    if with_changes:
        _sort_file(out / "changes.csv", True, _bundle_of_csv_line)


def _sort_file(path: Path, header: bool, key: Callable[[bytes], Any]) -> None:
    """Rewrite a line file sorted (atomically).  Lines are split on ``\\n`` only, as they were
    written (never ``str.splitlines``, which also splits on U+2028, NEL, form feed... that a
    bundle's text may hold)."""
    from liplanet_cert.infra.atomic import write_bytes

    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    head, body = (lines[:1], lines[1:]) if header else ([], lines)
    write_bytes(path, b"".join(x + b"\n" for x in head + sorted(body, key=lambda x: (key(x), x))))


def _bundle_of_jsonl_line(line: bytes) -> str:
    try:
        return str(json.loads(line)["bundle"])
    except (ValueError, KeyError, TypeError):
        return ""


def _bundle_of_csv_line(line: bytes) -> str:
    import csv

    return next(csv.reader([line.decode("utf-8", "replace")]), [""])[0]
