"""The result store of a run's output directory, read back: ``results.jsonl`` and ``results/*.json``.

A run writes one line per bundle into ``results.jsonl`` and the full result of each assessed bundle
into ``results/<name>-<hash>.json`` (:func:`result_name`).  Reading them back — an earlier run
(``--previous``), an interrupted run into the same directory, the reports over a run — trusts
nothing: a line is read bounded and checked (:func:`read_numbered_lines`); a result file is read
only from inside the run's ``results/`` folder (:func:`confined_result`), and reused only if it is
the result of exactly these inputs under exactly these criteria (:func:`stored_result`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from liplanet_cert.assessment.result import Result
from liplanet_cert.batch.keys import pairs_digest
from liplanet_cert.bundle.limits import Limits
from liplanet_cert.errors import LiplanetError

STATUSES = ("approved", "approved_with_observations", "not_approved", "invalid", "error")
MAX_RESULTS_LINE = 16 << 20  # a results.jsonl line is a summary of one bundle: far below this

_LINE_FIELDS: dict[str, tuple[type, ...]] = {  # what a results.jsonl line may hold, and of which JSON type
    "result": (str, type(None)),
    "status": (str, type(None)),
    "cache_key": (str, type(None)),
    "input_sha256": (str, type(None)),
    "message": (str, type(None)),
    "kind": (str, type(None)),
    "pilot_line": (dict, type(None)),
    "criteria": (dict, type(None)),
    "findings": (dict, type(None)),
    "counts": (dict, type(None)),
    "advisory": (list, type(None)),
    "waivers": (list, type(None)),
    "problems": (list, type(None)),
    "details": (list, type(None)),
    "assessed_on": (str, type(None)),
}


def result_name(bundle: str) -> str:
    """File name of a bundle's result: readable and unique per bundle path."""
    stem = Path(bundle.rstrip("/\\")).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "bundle"
    h = hashlib.sha256(os.path.abspath(bundle).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{slug}-{h}.json"


def results_file(path: Path) -> Path:
    """``results.jsonl`` of a run: the file itself or the run's output directory."""
    return path / "results.jsonl" if path.is_dir() else path


# -- results.jsonl -------------------------------------------------------------------------
def _line_problem(d: Any) -> str | None:
    """Why a parsed results.jsonl line cannot be used (None: it can)."""
    if not isinstance(d, dict):
        return f"not a JSON object but {type(d).__name__}"
    if not isinstance(d.get("bundle"), str) or not d["bundle"]:
        return "no bundle path"
    for key, types in _LINE_FIELDS.items():
        if key in d and not isinstance(d[key], types):
            return f"{key} is {type(d[key]).__name__}"
    if d.get("status") is not None and d["status"] not in STATUSES:
        return f"unknown status {d['status']!r}"[:120]
    if not all(isinstance(v, str) for v in (d.get("findings") or {}).values()):
        return "findings are not statuses"
    if not all(isinstance(v, str) for k in ("advisory", "waivers") for v in d.get(k) or []):
        return "advisory or waivers are not criterion ids"
    if not isinstance((d.get("pilot_line") or {}).get("name", ""), str):
        return "pilot_line.name is not text"
    return None


def read_lines(path: Path, warn: Callable[[str], None] | None = None) -> Iterator[dict[str, Any]]:
    """Complete, usable lines of a results.jsonl.  Lines are split on ``\\n`` only (bytes); a line
    that is not a JSON object of the results format (a hand edit, a crash mid-write of an older
    version, bytes that are not UTF-8) is skipped and ``warn`` is told which line and why; so is a
    trailing partial line."""
    for _n, d in read_numbered_lines(path, warn):
        yield d


def _lines(fh: Any, limit: int) -> Iterator[tuple[bytes, bool]]:
    """(line, whole) of a binary file, each line held up to ``limit`` bytes: the rest of a longer
    line is read through in pieces and dropped (``whole`` False), so memory stays bounded."""
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw, True
            continue
        while raw and not raw.endswith(b"\n"):
            raw = fh.readline(1 << 20)
        yield b"", False


def _not_json(exc: ValueError | RecursionError) -> str:
    """Why a line that json could not load is no JSON text."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg} at byte {exc.pos})"
    return f"not JSON ({str(exc)[:80]})"


def read_numbered_lines(
    path: Path, warn: Callable[[str], None] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, line) of every usable line of a results.jsonl, as :func:`read_lines`.  Only a
    regular file is read, each line up to :data:`MAX_RESULTS_LINE` bytes (a longer one is skipped
    with a warning)."""
    import io

    from liplanet_cert.infra.inputfile import open_input_file

    raw_fh, _size = open_input_file(path, "results file (results.jsonl)")
    with io.BufferedReader(raw_fh) as fh:  # type: ignore[arg-type]
        for n, (raw, whole) in enumerate(_lines(fh, MAX_RESULTS_LINE), start=1):
            if not whole:
                if warn is not None:
                    warn(f"{path}: line {n} ignored: longer than {MAX_RESULTS_LINE >> 20} MiB")
                continue
            if not raw.endswith(b"\n"):
                if warn is not None and raw.strip():
                    warn(
                        f"{path}: line {n} ignored: incomplete (no line end: a run stopped while writing it)"
                    )
                break
            try:
                d = json.loads(raw.decode("utf-8"))  # (json.loads of bytes would also guess UTF-16/32)
            except (ValueError, RecursionError) as exc:
                if warn is not None:
                    warn(f"{path}: line {n} ignored: {_not_json(exc)}")
                continue
            why = _line_problem(d)
            if why is None:
                yield n, d
            elif warn is not None:
                warn(f"{path}: line {n} ignored: {why}")


def _shared(d: dict[str, Any], shared: dict[str, Any]) -> None:
    """Make a line share what every line repeats (criterion ids and statuses, the criteria
    reference, counts) instead of holding its own copy."""
    intern = sys.intern
    findings = d.get("findings")
    if isinstance(findings, dict):
        d["findings"] = {intern(k): intern(v) if isinstance(v, str) else v for k, v in findings.items()}
    for key in ("advisory", "waivers"):
        if isinstance(d.get(key), list):
            d[key] = [intern(x) if isinstance(x, str) else x for x in d[key]]
    for key in ("criteria", "counts"):
        if isinstance(d.get(key), dict):
            d[key] = shared.setdefault(json.dumps(d[key], sort_keys=True), d[key])
    for key in ("status", "assessed_on", "kind"):
        if isinstance(d.get(key), str):
            d[key] = intern(d[key])


def load_index(
    path: Path, base: Path, warn: Callable[[str], None] | None = None
) -> dict[str, dict[str, Any]]:
    """bundle -> its line (with the result file made absolute: ``_result_abs``), held for the whole
    run: what every line repeats is shared, not copied, which keeps ~10,000 previous bundles to a
    few tens of MB.  Lines that cannot be used are skipped (``warn`` names them): the bundles they
    stood for are assessed again."""
    index: dict[str, dict[str, Any]] = {}
    shared: dict[str, Any] = {}
    results = os.path.realpath(base / "results")
    for n, d in read_numbered_lines(path, warn):
        if d.get("result"):
            where = confined_result(base, results, d["result"])
            if where is None:  # the bundle is assessed afresh
                if warn is not None:
                    warn(
                        f"{path}: line {n} ignored: result {_short_text(d['result'])} is not a regular file inside {base / 'results'} (stored results are read from there only)"
                    )
                continue
            d["_result_abs"] = where
        _shared(d, shared)
        index[d["bundle"]] = d
    return index


def _short_text(text: str, limit: int = 60) -> str:
    shown = json.dumps(text[:limit], ensure_ascii=True)
    return shown if len(text) <= limit else f"{shown}... ({len(text)} characters)"


# -- results/*.json ------------------------------------------------------------------------
def confined_result(base: Path, results: str, rel: str) -> str | None:
    """The real path of a stored result ``rel`` (as a results.jsonl line names it) if it is a
    regular file inside the run's ``results/`` folder ``results`` (a real path), else None: an
    absolute path, ``..`` or a symbolic link leading elsewhere is never read."""
    try:
        if "\0" in rel or os.path.isabs(rel):
            return None
        real = os.path.realpath(base / rel)
        if os.path.commonpath([real, results]) != results or real == results:
            return None
        return real if stat.S_ISREG(os.stat(real).st_mode) else None
    except (OSError, ValueError):
        return None


def stored_result(
    path: str, bundle: str, digest: str, criteria_sha256: str, limits: Limits
) -> tuple[dict[str, Any], Any] | None:
    """(document, Result) of an earlier run's result file if it may stand for ``bundle`` now, else None.

    ``path`` was confined to the earlier run's ``results/`` folder when its line was read
    (:func:`load_index`); it must still be that file (no symbolic link put in since).  It is read
    bounded and checked like ``verify``'s RESULT (a regular file of at most 64 MiB, the result
    schema), and it must be the result of exactly these inputs (its ``inputs`` sha256s give the
    bundle's digest) under exactly these criteria (``criteria.sha256``)."""
    try:
        if os.path.realpath(path) != path:
            return None
        from liplanet_cert.integrity.stored import read_result

        doc = read_result(path, escaped_names=True)  # read and checked as verify reads its RESULT
        if not isinstance(doc.get("criteria"), dict) or doc["criteria"].get("sha256") != criteria_sha256:
            return None
        pairs = [(i["path"], i["sha256"]) for i in doc["inputs"]]
        if os.path.isdir(bundle):
            if pairs_digest(pairs) != digest:
                return None
        else:  # a zip: its digest is over its bytes; compare file by file
            from liplanet_cert.integrity.verify import bundle_digests

            if pairs_digest(pairs) != pairs_digest(bundle_digests(bundle, limits).items()):
                return None
        return doc, Result.from_dict(doc)
    except (LiplanetError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


# -- a run, read back for reports ----------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(data: Any) -> Any:
    """``data`` with every lone surrogate (a bundle folder name that is not UTF-8, stored as its
    ``\\udcXX`` JSON escape) made visible text (``\\udcfc``), so that every report format can encode it."""
    if isinstance(data, str):
        return data.encode("utf-8", "backslashreplace").decode("utf-8") if _SURROGATE.search(data) else data
    if isinstance(data, dict):
        return {_valid_text(k): _valid_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_valid_text(v) for v in data]
    return data


def iter_entries(out: Path) -> Iterator[Any]:
    """Every bundle of a run, in results.jsonl order, one at a time: its stored
    :class:`~liplanet_cert.assessment.result.Result`, or an :class:`~liplanet_cert.assessment.result.Unassessed` for a
    bundle that was invalid, failed, or whose stored result can no longer be read."""
    from liplanet_cert.assessment.result import Unassessed
    from liplanet_cert.infra.inputfile import read_input_file
    from liplanet_cert.integrity.stored import MAX_RESULT_BYTES

    f = results_file(out)
    results_dir = os.path.realpath(f.parent / "results")
    for line in read_lines(f):
        line = _valid_text(line)
        if line.get("result"):
            p = f.parent / line["result"]
            try:
                # the run's own output, written by this run: confined and bounded, not re-validated
                where = confined_result(f.parent, results_dir, str(line["result"]))
                if where is None:
                    raise ValueError(f"not a regular file inside {results_dir}")
                text = read_input_file(where, "stored result", MAX_RESULT_BYTES).decode("utf-8")
                doc = json.loads(text)
                yield Result.from_dict(
                    _valid_text(doc) if "\\ud" in text else doc
                )  # (only an escape can hold a surrogate)
            except (LiplanetError, OSError, ValueError, KeyError, TypeError) as exc:
                yield Unassessed(
                    line["bundle"],
                    "error",
                    f"stored result {p} cannot be read: {type(exc).__name__}",
                    kind="result",
                )
        else:
            yield Unassessed(
                line["bundle"],
                str(line.get("status") or "error"),
                str(line.get("message") or ""),
                [str(p) for p in line.get("problems") or []],
                str(line.get("kind") or ""),
                [{k: str(v) for k, v in d.items()} for d in line.get("details") or [] if isinstance(d, dict)],
            )
