"""Reading a zipped bundle's directory safely, before anything is decompressed: entry count and
directory size from the end record alone, then every entry's name (no absolute path, ``..`` or
drive letter), kind (no symlink), size and compression ratio against the limits.  A zip of a
bundle folder has its one top-level folder stripped."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import PurePosixPath
from typing import Any

from liplanet_cert.bundle.limits import Limits
from liplanet_cert.errors import BundleError, Problem

_DRIVE = re.compile(r"^[A-Za-z]:")


def check_zip_directory(fh: Any, display: str, limits: Limits) -> None:
    """Refuse a zip whose central directory announces too many entries, or is larger than that
    many entries can need, from its end record alone: ``zipfile`` would build an object per entry
    first (two million entries: 1 GB)."""
    announced = _zip_directory(fh)
    if announced is None:
        return  # no readable end record: zipfile says what is wrong
    entries, cd_size = announced
    if entries > limits.max_entries:
        raise _too_many_entries(display, limits, f"{entries} announced")
    if cd_size > 1024 * max(entries, 1) + 65536:
        raise BundleError(
            Problem(
                display,
                "zip directory",
                "zip directory larger than its entries can need",
                expected=f"at most about 1 KiB for each of its {entries} entries",
                found=f"{cd_size} bytes",
            )
        )


def scan_zip(fh: Any, display: str, limits: Limits) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    """The open archive of ``fh`` and its files: path inside the bundle -> entry.  Raises
    :class:`BundleError` on the first unsafe or oversized entry."""
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except Exception as exc:  # noqa: BLE001 - BadZipFile, OSError, a name that is not UTF-8, ... of untrusted data
        raise BundleError(
            Problem(display, message=f"unreadable zip archive: {type(exc).__name__}: {exc}")
        ) from None
    if len(infos) > limits.max_entries:
        raise _too_many_entries(display, limits, str(len(infos)))
    total = 0
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        where = f"zip entry {info.filename!r}"
        _check_entry(info, where, display, limits)
        if info.is_dir():
            continue
        total += info.file_size
        if total > limits.max_bundle_bytes:
            raise BundleError(
                Problem(
                    display,
                    where,
                    f"bundle too large when unpacked: limit {limits.max_bundle_bytes} bytes (LIPLANET_MAX_BUNDLE_BYTES)",
                    expected=f"at most {limits.max_bundle_bytes} bytes",
                    found=f"at least {total} bytes",
                )
            )
        key = PurePosixPath(info.filename.replace("\\", "/")).as_posix()
        if key in entries:
            raise BundleError(
                Problem(
                    display,
                    where,
                    "duplicate entry in the zip (which copy counts would be ambiguous)",
                    expected="each path once",
                    found=info.filename,
                )
            )
        entries[key] = info
    # A zip of a bundle directory has one top-level folder: strip it.
    prefix = ""
    tops = {n.split("/", 1)[0] for n in entries}
    if len(tops) == 1 and all("/" in n for n in entries):
        prefix = next(iter(tops)) + "/"
    return zf, {n[len(prefix) :]: info for n, info in entries.items()}


def _too_many_entries(display: str, limits: Limits, found: str) -> BundleError:
    return BundleError(
        Problem(
            display,
            "zip directory",
            f"too many entries in the zip: limit {limits.max_entries} (LIPLANET_MAX_ENTRIES)",
            expected=f"at most {limits.max_entries}",
            found=found,
        )
    )


def _check_entry(info: zipfile.ZipInfo, where: str, display: str, limits: Limits) -> None:
    """Refuse an entry with an unsafe name, a symlink, or (a file) too large or too compressed."""
    why = _bad_name(info.filename)
    if why:
        raise BundleError(
            Problem(display, where, f"unsafe zip entry: {why}", expected="a relative path inside the bundle")
        )
    mode = (info.external_attr >> 16) & 0o170000
    if mode == stat.S_IFLNK:
        raise BundleError(Problem(display, where, "symlink in zip archive", expected="regular files only"))
    if info.is_dir():
        return
    most, setting = limits.largest_file
    if info.file_size > most:
        raise BundleError(
            Problem(
                display,
                where,
                f"file too large: limit {most} bytes ({setting})",
                expected=f"at most {most} bytes",
                found=f"{info.file_size} bytes unpacked",
            )
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_compression_ratio and info.file_size > 1024 * 1024:
        raise BundleError(
            Problem(
                display,
                where,
                f"suspicious compression ratio (zip bomb?): limit {limits.max_compression_ratio:g}:1 (LIPLANET_MAX_COMPRESSION_RATIO)",
                expected=f"at most {limits.max_compression_ratio:g}:1",
                found=f"{ratio:.0f}:1",
            )
        )


def _bad_name(name: str) -> str | None:
    if not name or "\x00" in name:
        return "empty name or NUL byte"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path"
    parts = re.split(r"[/\\]", name)
    if any(p == ".." for p in parts):
        return "path escapes the bundle ('..')"
    return None


def _zip_directory(fh: Any) -> tuple[int, int] | None:
    """(entries, central directory size) announced by a zip's end record (zip64 included), or None
    when there is no readable one.  Reads at most the last 64 KiB and one zip64 record."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    fh.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    cd_size = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the locator before the end record says where
        loc = tail.rfind(b"PK\x06\x07", 0, at)
        if loc >= 0 and at - loc >= 20:
            offset = int.from_bytes(tail[loc + 8 : loc + 16], "little")
            if 0 <= offset < size:
                fh.seek(offset)
                rec = fh.read(56)
                fh.seek(0)
                if len(rec) >= 48 and rec[:4] == b"PK\x06\x06":
                    entries = int.from_bytes(rec[32:40], "little")
                    cd_size = int.from_bytes(rec[40:48], "little")
    return entries, cd_size
