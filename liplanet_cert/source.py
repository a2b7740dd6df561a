"""Reading the files of a bundle (a directory or a ``.zip``) safely.

A :class:`BundleSource` lists the bundle's regular files by POSIX relative path and reads them
with limits.  Nothing outside the bundle root can be reached: absolute paths, ``..`` segments,
drive letters and symlinks that resolve outside the root are refused, zip entries are checked
for size, count and compression ratio before anything is decompressed.  A bundle is never
modified.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping

from .errors import BundleError, Problem, UsageError


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted bundles (all configurable)."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_bundle_bytes: int = 256 * 1024 * 1024
    max_entries: int = 5_000
    max_compression_ratio: float = 200.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The defaults, overridden by ``LIPLANET_MAX_FILE_BYTES``, ``LIPLANET_MAX_BUNDLE_BYTES``,
        ``LIPLANET_MAX_ENTRIES`` and ``LIPLANET_MAX_COMPRESSION_RATIO`` when set."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for var, (fld, kind) in ENV_LIMITS.items():
            text = env.get(var, "").strip()
            if not text:
                continue
            try:
                value = kind(text.replace("_", ""))
                if not value > 0 or value != value or value == float("inf"):
                    raise ValueError
            except ValueError:
                raise UsageError(Problem(var, message="invalid limit in environment variable", expected="a positive number", found=repr(text[:40]))) from None
            values[fld] = value
        return cls(**values)


ENV_LIMITS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "LIPLANET_MAX_FILE_BYTES": ("max_file_bytes", int),
    "LIPLANET_MAX_BUNDLE_BYTES": ("max_bundle_bytes", int),
    "LIPLANET_MAX_ENTRIES": ("max_entries", int),
    "LIPLANET_MAX_COMPRESSION_RATIO": ("max_compression_ratio", float),
}
DEFAULT_LIMITS = Limits()
_DRIVE = re.compile(r"^[A-Za-z]:")


def _bad_name(name: str) -> str | None:
    if not name or "\x00" in name:
        return "empty name or NUL byte"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path"
    parts = re.split(r"[/\\]", name)
    if any(p == ".." for p in parts):
        return "path escapes the bundle ('..')"
    return None


class BundleSource:
    """The files of one bundle, by relative POSIX path."""

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path = path
        # DEFAULT_LIMITS (the default of every caller) means "the defaults as configured":
        # environment variables override them; an explicit other Limits object is used as given.
        self.limits = Limits.from_env() if limits is None or limits is DEFAULT_LIMITS else limits
        self.display = str(path)
        self._zip: zipfile.ZipFile | None = None
        self._files: dict[str, object] = {}
        if not path.exists():
            raise BundleError(Problem(str(path), message="bundle not found", expected="a bundle directory or .zip file"))
        if path.is_dir():
            self._scan_dir()
        elif zipfile.is_zipfile(path):
            self._scan_zip()
        else:
            raise BundleError(Problem(str(path), message="not a bundle", expected="a directory or a .zip file", found="a regular file that is not a zip archive"))

    # -- directory -------------------------------------------------------------------------
    def _scan_dir(self) -> None:
        root = self.path.resolve()
        total = 0
        entries = 0  # folders count towards the entry limit too
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            here = Path(dirpath)
            entries += len(dirnames)
            for d in list(dirnames):
                p = here / d
                if p.is_symlink():
                    _resolve_inside(p, root)
                    dirnames.remove(d)  # not followed: its files are reached through the real path
            for name in sorted(filenames):
                p = here / name
                rel = p.relative_to(root).as_posix()
                if p.is_symlink():
                    p = _resolve_inside(p, root)
                try:
                    st = p.stat()
                except OSError as exc:
                    raise BundleError(Problem(rel, message=f"cannot read file: {exc.strerror}")) from None
                if not stat.S_ISREG(st.st_mode):
                    continue
                self._check_size(rel, st.st_size)
                total += st.st_size
                if total > self.limits.max_bundle_bytes:
                    raise BundleError(Problem(rel, "bundle directory", f"bundle too large: limit {self.limits.max_bundle_bytes} bytes (LIPLANET_MAX_BUNDLE_BYTES)", expected=f"at most {self.limits.max_bundle_bytes} bytes in all", found=f"at least {total} bytes"))
                self._files[rel] = p
                if len(self._files) + entries > self.limits.max_entries:
                    raise BundleError(Problem(self.display, "bundle directory", f"too many files in the bundle: limit {self.limits.max_entries} (LIPLANET_MAX_ENTRIES)", expected=f"at most {self.limits.max_entries} files and folders", found=f"more than {self.limits.max_entries}"))

    # -- zip -----------------------------------------------------------------------------
    def _scan_zip(self) -> None:
        try:
            zf = zipfile.ZipFile(self.path)
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise BundleError(Problem(self.display, message=f"unreadable zip archive: {exc}")) from None
        if len(infos) > self.limits.max_entries:
            raise BundleError(Problem(self.display, "zip directory", f"too many entries in the zip: limit {self.limits.max_entries} (LIPLANET_MAX_ENTRIES)", expected=f"at most {self.limits.max_entries}", found=str(len(infos))))
        total = 0
        entries: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            where = f"zip entry {name!r}"
            why = _bad_name(name)
            if why:
                raise BundleError(Problem(self.display, where, f"unsafe zip entry: {why}", expected="a relative path inside the bundle"))
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise BundleError(Problem(self.display, where, "symlink in zip archive", expected="regular files only"))
            if info.is_dir():
                continue
            if info.file_size > self.limits.max_file_bytes:
                raise BundleError(Problem(self.display, where, f"file too large: limit {self.limits.max_file_bytes} bytes (LIPLANET_MAX_FILE_BYTES)", expected=f"at most {self.limits.max_file_bytes} bytes", found=f"{info.file_size} bytes unpacked"))
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > self.limits.max_compression_ratio and info.file_size > 1024 * 1024:
                raise BundleError(Problem(self.display, where, f"suspicious compression ratio (zip bomb?): limit {self.limits.max_compression_ratio:g}:1 (LIPLANET_MAX_COMPRESSION_RATIO)", expected=f"at most {self.limits.max_compression_ratio:g}:1", found=f"{ratio:.0f}:1"))
            total += info.file_size
            if total > self.limits.max_bundle_bytes:
                raise BundleError(Problem(self.display, where, f"bundle too large when unpacked: limit {self.limits.max_bundle_bytes} bytes (LIPLANET_MAX_BUNDLE_BYTES)", expected=f"at most {self.limits.max_bundle_bytes} bytes", found=f"at least {total} bytes"))
            key = PurePosixPath(name.replace("\\", "/")).as_posix()
            if key in entries:
                raise BundleError(Problem(self.display, where, "duplicate entry in the zip (which copy counts would be ambiguous)", expected="each path once", found=name))
            entries[key] = info
        # A zip of a bundle directory has one top-level folder: strip it.
        prefix = ""
        tops = {n.split("/", 1)[0] for n in entries}
        if len(tops) == 1 and all("/" in n for n in entries):
            prefix = next(iter(tops)) + "/"
        self._zip = zf
        self._files = {n[len(prefix):]: info for n, info in entries.items()}

    def _check_size(self, rel: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise BundleError(Problem(rel, "whole file", f"file too large: limit {self.limits.max_file_bytes} bytes (LIPLANET_MAX_FILE_BYTES)", expected=f"at most {self.limits.max_file_bytes} bytes", found=f"{size} bytes"))

    # -- API -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._files)

    def exists(self, rel: str) -> bool:
        return rel in self._files

    def read(self, rel: str) -> bytes:
        """Read one file; enforces the per-file limit while reading (zip sizes can lie)."""
        entry = self._files.get(rel)
        if entry is None:
            raise BundleError(Problem(rel, message="file not found in the bundle"))
        limit = self.limits.max_file_bytes
        if self._zip is not None:
            try:
                with self._zip.open(entry) as fh:  # type: ignore[arg-type]
                    data = fh.read(limit + 1)
            except Exception as exc:  # noqa: BLE001 - zlib/bz2/lzma/CRC/encryption errors of untrusted data
                raise BundleError(Problem(rel, "zip entry", f"cannot read zip entry: {type(exc).__name__}: {exc}", expected="an intact, unencrypted zip entry")) from None
        else:
            with open(entry, "rb") as fh:  # type: ignore[arg-type]
                data = fh.read(limit + 1)
        if len(data) > limit:
            raise BundleError(Problem(rel, "whole file", f"file too large: limit {limit} bytes (LIPLANET_MAX_FILE_BYTES)", expected=f"at most {limit} bytes", found=f"more than {limit} bytes"))
        return data

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> "BundleSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _resolve_inside(link: Path, root: Path) -> Path:
    """Resolve a symlink found in the bundle; it must end inside the bundle root."""
    rel = link.relative_to(root).as_posix()
    try:
        shown = os.readlink(link)
    except OSError:
        shown = "?"
    try:
        target = link.resolve(strict=False)
    except (RuntimeError, OSError) as exc:  # symlink loop (RuntimeError before Python 3.13) or unreadable
        raise BundleError(Problem(rel, "symlink", "symlink cannot be resolved (loop?)", expected="a link to a file inside the bundle", found=f"-> {shown} ({type(exc).__name__})")) from None
    if not target.is_relative_to(root):
        raise BundleError(Problem(rel, "symlink", "symlink points outside the bundle", expected="a link inside the bundle", found=f"-> {shown}"))
    return target


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_EOL = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}


def decode_text(rel: str, data: bytes) -> str:
    """Decode a text file strictly: UTF-8 (a leading byte-order mark, as Windows editors and Excel
    write it, is dropped), no NUL, consistent line endings."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise BundleError(Problem(rel, "line 1", "file is empty", expected="content", found=f"{len(data)} bytes of white space" if data else "0 bytes"))
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise BundleError(Problem(rel, f"byte {at}", "NUL byte in a text file", expected="UTF-8 text", found="NUL"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BundleError(Problem(rel, f"line {line}", "file is not valid UTF-8", expected="UTF-8 text", found=f"byte 0x{data[exc.start]:02x}")) from None
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if sum(1 for n in (crlf, lf, cr) if n) > 1:
        endings = re.findall(r"\r\n|\n|\r", text)
        first_other = next(i for i, e in enumerate(endings) if e != endings[0])
        raise BundleError(Problem(rel, f"line {first_other + 1}", "mixed line endings", expected=f"one kind of line ending throughout (line 1 ends with {_EOL[endings[0]]})", found=f"{_EOL[endings[first_other]]} here; {crlf} CRLF, {lf} LF, {cr} CR in all"))
    return text.replace("\r\n", "\n").replace("\r", "\n")
