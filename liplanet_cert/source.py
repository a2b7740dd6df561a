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

from .errors import BundleError, Problem


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted bundles (all configurable)."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_bundle_bytes: int = 256 * 1024 * 1024
    max_entries: int = 5_000
    max_compression_ratio: float = 200.0


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

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
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
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            here = Path(dirpath)
            for d in list(dirnames):
                p = here / d
                if p.is_symlink():
                    rel = p.relative_to(root).as_posix()
                    target = p.resolve()
                    if not target.is_relative_to(root):
                        raise BundleError(Problem(rel, message="symlink points outside the bundle", expected="a link inside the bundle", found=str(os.readlink(p))))
                    dirnames.remove(d)  # not followed: its files are reached through the real path
            for name in sorted(filenames):
                p = here / name
                rel = p.relative_to(root).as_posix()
                if p.is_symlink():
                    target = p.resolve()
                    if not target.is_relative_to(root):
                        raise BundleError(Problem(rel, message="symlink points outside the bundle", expected="a link inside the bundle", found=str(os.readlink(p))))
                    p = target
                try:
                    st = p.stat()
                except OSError as exc:
                    raise BundleError(Problem(rel, message=f"cannot read file: {exc.strerror}")) from None
                if not stat.S_ISREG(st.st_mode):
                    continue
                self._check_size(rel, st.st_size)
                total += st.st_size
                if total > self.limits.max_bundle_bytes:
                    raise BundleError(Problem(rel, message="bundle too large", expected=f"at most {self.limits.max_bundle_bytes} bytes in all", found=f"more than {total} bytes"))
                self._files[rel] = p
                if len(self._files) > self.limits.max_entries:
                    raise BundleError(Problem(self.display, message="too many files in the bundle", expected=f"at most {self.limits.max_entries}", found=f"more than {self.limits.max_entries}"))

    # -- zip -----------------------------------------------------------------------------
    def _scan_zip(self) -> None:
        try:
            zf = zipfile.ZipFile(self.path)
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise BundleError(Problem(self.display, message=f"unreadable zip archive: {exc}")) from None
        if len(infos) > self.limits.max_entries:
            raise BundleError(Problem(self.display, message="too many entries in the zip", expected=f"at most {self.limits.max_entries}", found=str(len(infos))))
        total = 0
        entries: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            why = _bad_name(name)
            if why:
                raise BundleError(Problem(f"{self.display}:{name}", message=f"unsafe zip entry: {why}", expected="a relative path inside the bundle"))
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise BundleError(Problem(f"{self.display}:{name}", message="symlink in zip archive", expected="regular files only"))
            if info.is_dir():
                continue
            self._check_size(name, info.file_size)
            if info.compress_size and info.file_size / max(info.compress_size, 1) > self.limits.max_compression_ratio and info.file_size > 1024 * 1024:
                raise BundleError(Problem(f"{self.display}:{name}", message="suspicious compression ratio (zip bomb?)", expected=f"at most {self.limits.max_compression_ratio:g}:1", found=f"{info.file_size / max(info.compress_size, 1):.0f}:1"))
            total += info.file_size
            if total > self.limits.max_bundle_bytes:
                raise BundleError(Problem(self.display, message="bundle too large when unpacked", expected=f"at most {self.limits.max_bundle_bytes} bytes", found=f"more than {total} bytes"))
            entries[PurePosixPath(name.replace("\\", "/")).as_posix()] = info
        # A zip of a bundle directory has one top-level folder: strip it.
        prefix = ""
        tops = {n.split("/", 1)[0] for n in entries}
        if len(tops) == 1 and all("/" in n for n in entries):
            prefix = next(iter(tops)) + "/"
        self._zip = zf
        self._files = {n[len(prefix):]: info for n, info in entries.items()}

    def _check_size(self, rel: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise BundleError(Problem(rel, message="file too large", expected=f"at most {self.limits.max_file_bytes} bytes", found=f"{size} bytes"))

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
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                raise BundleError(Problem(rel, message=f"cannot read zip entry: {exc}")) from None
        else:
            with open(entry, "rb") as fh:  # type: ignore[arg-type]
                data = fh.read(limit + 1)
        if len(data) > limit:
            raise BundleError(Problem(rel, message="file too large", expected=f"at most {limit} bytes", found=f"more than {limit} bytes"))
        return data

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> "BundleSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(rel: str, data: bytes) -> str:
    """Decode a text file strictly: UTF-8, no BOM, no NUL, consistent line endings."""
    if not data.strip():
        raise BundleError(Problem(rel, message="file is empty", expected="content"))
    if data.startswith(b"\xef\xbb\xbf"):
        raise BundleError(Problem(rel, "byte 0", "file starts with a UTF-8 byte-order mark", expected="UTF-8 without BOM", found="BOM (EF BB BF)"))
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
        raise BundleError(Problem(rel, message="mixed line endings", expected="one kind of line ending (LF or CRLF)", found=f"{crlf} CRLF, {lf} LF, {cr} CR"))
    return text.replace("\r\n", "\n").replace("\r", "\n")
