"""Reading the files of a bundle (a directory or a ``.zip``) safely.

A :class:`BundleSource` lists the bundle's regular files by POSIX relative path and reads them
with limits.  Nothing outside the bundle root can be reached: absolute paths, ``..`` segments,
drive letters and symlinks that resolve outside the root are refused, zip entries are checked
for size, count and compression ratio before anything is decompressed.  A bundle is never
modified.

Only regular files are read (:mod:`liplanet_cert.infra.inputfile`): a FIFO or device named as the bundle
(``x.zip``) is refused and one inside a bundle folder is skipped, never opened blocking.  The folder
tree is listed iteratively and at most :data:`MAX_FOLDER_DEPTH` levels deep; a folder or file that
cannot be read (permissions) or whose name is not UTF-8 is a located problem.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from liplanet_cert.errors import BundleError, Problem, UsageError
from liplanet_cert.infra.inputfile import kind_of, not_unicode_text, open_input_file


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted bundles (all configurable)."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_bundle_bytes: int = 256 * 1024 * 1024
    max_entries: int = 5_000
    max_compression_ratio: float = 200.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
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
                raise UsageError(
                    Problem(
                        var,
                        message="invalid limit in environment variable",
                        expected="a positive number",
                        found=repr(text[:40]),
                    )
                ) from None
            values[fld] = value
        return cls(**values)


ENV_LIMITS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "LIPLANET_MAX_FILE_BYTES": ("max_file_bytes", int),
    "LIPLANET_MAX_BUNDLE_BYTES": ("max_bundle_bytes", int),
    "LIPLANET_MAX_ENTRIES": ("max_entries", int),
    "LIPLANET_MAX_COMPRESSION_RATIO": ("max_compression_ratio", float),
}
DEFAULT_LIMITS = Limits()
MAX_FOLDER_DEPTH = 32  # folders inside a bundle (evidence/2026/q3/...): deeper is refused, not recursed into
_DRIVE = re.compile(r"^[A-Za-z]:")
_READ_CHUNK = 1 << 20


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
        self._zip_file: Any = None
        self._files: dict[str, object] = {}
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise BundleError(
                Problem(str(path), message="bundle not found", expected="a bundle directory or .zip file")
            ) from None
        except OSError as exc:
            raise BundleError(
                Problem(
                    str(path),
                    message=f"cannot read the bundle: {exc.strerror or type(exc).__name__}",
                    expected="a readable bundle directory or .zip file",
                )
            ) from None
        if stat.S_ISDIR(st.st_mode):
            self._scan_dir()
        elif stat.S_ISREG(st.st_mode):
            # a zip holds at most the unpacked limit plus its headers (1 KiB an entry is generous)
            most = self.limits.max_bundle_bytes + 1024 * self.limits.max_entries
            fh, _size = open_input_file(
                path, "bundle", most, error=BundleError, limit_name="LIPLANET_MAX_BUNDLE_BYTES"
            )
            self._zip_file = io.BufferedReader(fh)  # type: ignore[arg-type]
            if zipfile.is_zipfile(self._zip_file):
                self._check_zip_directory()
                self._scan_zip()
            else:
                self.close()
                raise BundleError(
                    Problem(
                        str(path),
                        message="not a bundle",
                        expected="a directory or a .zip file",
                        found="a regular file that is not a zip archive",
                    )
                )
        else:  # a FIFO named x.zip would block forever if opened; a device never ends
            raise BundleError(
                Problem(
                    str(path),
                    message="not a bundle",
                    expected="a directory or a .zip file",
                    found=kind_of(st.st_mode),
                )
            )

    # -- directory -------------------------------------------------------------------------
    def _scan_dir(self) -> None:
        """List the bundle's regular files, iteratively (no recursion limit), in sorted order, at
        most MAX_FOLDER_DEPTH folders deep; symlinks must stay inside the bundle and are not
        followed into folders (their files are reached through the real path)."""
        root = self.path.resolve()
        total = 0
        entries = 0  # folders count towards the entry limit too
        stack: list[tuple[Path, int]] = [(root, 0)]
        while stack:
            here, depth = stack.pop()
            try:
                with os.scandir(here) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                shown = _shown_rel(here, root) if here != root else self.display
                raise BundleError(
                    Problem(
                        shown,
                        "folder",
                        f"cannot read folder: {exc.strerror or type(exc).__name__}",
                        expected="a readable folder",
                    )
                ) from None
            folders: list[Path] = []
            for item in items:
                p = here / item.name
                rel = _shown_rel(p, root)
                if not_unicode_text(item.name):
                    raise BundleError(
                        Problem(
                            rel,
                            "file name",
                            "file name is not valid UTF-8",
                            expected="file and folder names in UTF-8",
                            found=repr(os.fsencode(item.name))[:80],
                        )
                    )
                try:
                    is_link = item.is_symlink()
                    is_dir = not is_link and item.is_dir(follow_symlinks=False)
                except OSError as exc:
                    raise BundleError(Problem(rel, message=f"cannot read file: {exc.strerror}")) from None
                if is_dir:
                    entries += 1
                    if depth + 1 > MAX_FOLDER_DEPTH:
                        raise BundleError(
                            Problem(
                                rel,
                                "folder",
                                f"folders nested too deep: limit {MAX_FOLDER_DEPTH} levels",
                                expected=f"at most {MAX_FOLDER_DEPTH} nested folders",
                                found=f"more than {MAX_FOLDER_DEPTH}",
                            )
                        )
                    folders.append(p)
                    self._check_entries(len(self._files) + entries)
                    continue
                if is_link:
                    p = _resolve_inside(p, root)
                    if p.is_dir():
                        entries += 1
                        self._check_entries(len(self._files) + entries)
                        continue
                try:
                    st = p.stat()
                except OSError as exc:
                    raise BundleError(Problem(rel, message=f"cannot read file: {exc.strerror}")) from None
                if not stat.S_ISREG(st.st_mode):
                    continue
                self._check_size(rel, st.st_size)
                total += st.st_size
                if total > self.limits.max_bundle_bytes:
                    raise BundleError(
                        Problem(
                            rel,
                            "bundle directory",
                            f"bundle too large: limit {self.limits.max_bundle_bytes} bytes (LIPLANET_MAX_BUNDLE_BYTES)",
                            expected=f"at most {self.limits.max_bundle_bytes} bytes in all",
                            found=f"at least {total} bytes",
                        )
                    )
                self._files[rel] = p
                self._check_entries(len(self._files) + entries)
            stack.extend((f, depth + 1) for f in reversed(folders))

    def _check_entries(self, count: int) -> None:
        if count > self.limits.max_entries:
            raise BundleError(
                Problem(
                    self.display,
                    "bundle directory",
                    f"too many files in the bundle: limit {self.limits.max_entries} (LIPLANET_MAX_ENTRIES)",
                    expected=f"at most {self.limits.max_entries} files and folders",
                    found=f"more than {self.limits.max_entries}",
                )
            )

    # -- zip -----------------------------------------------------------------------------
    def _check_zip_directory(self) -> None:
        """Refuse a zip whose central directory announces too many entries, or is larger than that
        many entries can need, from its end record alone: ``zipfile`` would build an object per entry
        first (two million entries: 1 GB)."""
        announced = _zip_directory(self._zip_file)  # type: ignore[arg-type]
        if announced is None:
            return  # no readable end record: zipfile says what is wrong
        entries, cd_size = announced
        if entries > self.limits.max_entries:
            self.close()
            raise BundleError(
                Problem(
                    self.display,
                    "zip directory",
                    f"too many entries in the zip: limit {self.limits.max_entries} (LIPLANET_MAX_ENTRIES)",
                    expected=f"at most {self.limits.max_entries}",
                    found=f"{entries} announced",
                )
            )
        if cd_size > 1024 * max(entries, 1) + 65536:
            self.close()
            raise BundleError(
                Problem(
                    self.display,
                    "zip directory",
                    "zip directory larger than its entries can need",
                    expected=f"at most about 1 KiB for each of its {entries} entries",
                    found=f"{cd_size} bytes",
                )
            )

    def _scan_zip(self) -> None:
        try:
            zf = zipfile.ZipFile(self._zip_file)
            infos = zf.infolist()
        except Exception as exc:  # noqa: BLE001 - BadZipFile, OSError, a name that is not UTF-8, ... of untrusted data
            self.close()
            raise BundleError(
                Problem(self.display, message=f"unreadable zip archive: {type(exc).__name__}: {exc}")
            ) from None
        if len(infos) > self.limits.max_entries:
            raise BundleError(
                Problem(
                    self.display,
                    "zip directory",
                    f"too many entries in the zip: limit {self.limits.max_entries} (LIPLANET_MAX_ENTRIES)",
                    expected=f"at most {self.limits.max_entries}",
                    found=str(len(infos)),
                )
            )
        total = 0
        entries: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            where = f"zip entry {name!r}"
            why = _bad_name(name)
            if why:
                raise BundleError(
                    Problem(
                        self.display,
                        where,
                        f"unsafe zip entry: {why}",
                        expected="a relative path inside the bundle",
                    )
                )
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise BundleError(
                    Problem(self.display, where, "symlink in zip archive", expected="regular files only")
                )
            if info.is_dir():
                continue
            if info.file_size > self.limits.max_file_bytes:
                raise BundleError(
                    Problem(
                        self.display,
                        where,
                        f"file too large: limit {self.limits.max_file_bytes} bytes (LIPLANET_MAX_FILE_BYTES)",
                        expected=f"at most {self.limits.max_file_bytes} bytes",
                        found=f"{info.file_size} bytes unpacked",
                    )
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > self.limits.max_compression_ratio and info.file_size > 1024 * 1024:
                raise BundleError(
                    Problem(
                        self.display,
                        where,
                        f"suspicious compression ratio (zip bomb?): limit {self.limits.max_compression_ratio:g}:1 (LIPLANET_MAX_COMPRESSION_RATIO)",
                        expected=f"at most {self.limits.max_compression_ratio:g}:1",
                        found=f"{ratio:.0f}:1",
                    )
                )
            total += info.file_size
            if total > self.limits.max_bundle_bytes:
                raise BundleError(
                    Problem(
                        self.display,
                        where,
                        f"bundle too large when unpacked: limit {self.limits.max_bundle_bytes} bytes (LIPLANET_MAX_BUNDLE_BYTES)",
                        expected=f"at most {self.limits.max_bundle_bytes} bytes",
                        found=f"at least {total} bytes",
                    )
                )
            key = PurePosixPath(name.replace("\\", "/")).as_posix()
            if key in entries:
                raise BundleError(
                    Problem(
                        self.display,
                        where,
                        "duplicate entry in the zip (which copy counts would be ambiguous)",
                        expected="each path once",
                        found=name,
                    )
                )
            entries[key] = info
        # A zip of a bundle directory has one top-level folder: strip it.
        prefix = ""
        tops = {n.split("/", 1)[0] for n in entries}
        if len(tops) == 1 and all("/" in n for n in entries):
            prefix = next(iter(tops)) + "/"
        self._zip = zf
        self._files = {n[len(prefix) :]: info for n, info in entries.items()}

    def _check_size(self, rel: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise BundleError(
                Problem(
                    rel,
                    "whole file",
                    f"file too large: limit {self.limits.max_file_bytes} bytes (LIPLANET_MAX_FILE_BYTES)",
                    expected=f"at most {self.limits.max_file_bytes} bytes",
                    found=f"{size} bytes",
                )
            )

    # -- API -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._files)

    def exists(self, rel: str) -> bool:
        return rel in self._files

    def read(self, rel: str, max_bytes: int | None = None, what: str = "") -> bytes:
        """Read one file; enforces the per-file limit while reading (zip sizes can lie), or the
        smaller ``max_bytes`` for a file of a kind that is always small (``what``: its kind)."""
        chunks = list(self._chunks(rel, whole=True, max_bytes=max_bytes, what=what))
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def digest(self, rel: str) -> tuple[str, int]:
        """(sha256, size) of one file, read in pieces: memory does not grow with its size."""
        h = hashlib.sha256()
        size = 0
        for chunk in self._chunks(rel):
            h.update(chunk)
            size += len(chunk)
        return h.hexdigest(), size

    def _chunks(
        self, rel: str, whole: bool = False, max_bytes: int | None = None, what: str = ""
    ) -> Iterator[bytes]:
        """The bytes of one file in pieces (``whole``: in as few as possible), never more than the
        per-file limit; a directory entry is opened as a regular file only, never blocking."""
        entry = self._files.get(rel)
        if entry is None:
            raise BundleError(Problem(rel, message="file not found in the bundle"))
        limit = self.limits.max_file_bytes
        setting = "LIPLANET_MAX_FILE_BYTES"
        if max_bytes is not None and max_bytes < limit:
            limit, setting = max_bytes, f"for {what or 'this file'}"
        got = 0
        if self._zip is not None:
            try:
                with self._zip.open(entry) as fh:  # type: ignore[arg-type]
                    while got <= limit:
                        chunk = fh.read(limit + 1 - got if whole else min(_READ_CHUNK, limit + 1 - got))
                        if not chunk:
                            break
                        got += len(chunk)
                        if got <= limit:
                            yield chunk
            except Exception as exc:  # noqa: BLE001 - zlib/bz2/lzma/CRC/encryption errors of untrusted data
                raise BundleError(
                    Problem(
                        rel,
                        "zip entry",
                        f"cannot read zip entry: {type(exc).__name__}: {exc}",
                        expected="an intact, unencrypted zip entry",
                    )
                ) from None
        else:
            fh, size = open_input_file(entry, "file", limit, error=BundleError, shown=rel, limit_name=setting)  # type: ignore[arg-type]
            with fh:
                while got <= limit:
                    want = (
                        min(size + 1, limit + 1) if whole and got == 0 else min(_READ_CHUNK, limit + 1 - got)
                    )
                    try:
                        chunk = fh.read(max(want, 1))
                    except OSError as exc:
                        raise BundleError(Problem(rel, message=f"cannot read file: {exc.strerror}")) from None
                    if not chunk:
                        break
                    got += len(chunk)
                    if got <= limit:
                        yield chunk
        if got > limit:
            raise BundleError(
                Problem(
                    rel,
                    "whole file",
                    f"file too large: limit {limit} bytes ({setting})",
                    expected=f"at most {limit} bytes",
                    found=f"more than {limit} bytes",
                )
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._zip_file is not None:
            self._zip_file.close()
            self._zip_file = None

    def __enter__(self) -> BundleSource:
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
        raise BundleError(
            Problem(
                rel,
                "symlink",
                "symlink cannot be resolved (loop?)",
                expected="a link to a file inside the bundle",
                found=f"-> {shown} ({type(exc).__name__})",
            )
        ) from None
    if not target.is_relative_to(root):
        raise BundleError(
            Problem(
                rel,
                "symlink",
                "symlink points outside the bundle",
                expected="a link inside the bundle",
                found=f"-> {shown}",
            )
        )
    return target


def _shown_rel(p: Path, root: Path) -> str:
    """``p`` relative to the bundle root, printable even when a name is not UTF-8."""
    rel = p.relative_to(root).as_posix()
    return os.fsencode(rel).decode("utf-8", "backslashreplace") if not_unicode_text(rel) else rel


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_EOL = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}
_BLANK = re.compile(rb"[ \t\n\r\x0b\x0c]*")
_ENDINGS = re.compile(rb"\r\n|\n|\r")
TEXT_WINDOW = 1 << 20  # text is decoded and checked this many bytes at a time


def utf8_windows(data: bytes, start: int = 0, size: int = TEXT_WINDOW) -> Iterator[tuple[int, int]]:
    """(begin, end) offsets cutting ``data[start:]`` into pieces of about ``size`` bytes that each
    decode on their own: a cut never falls inside a UTF-8 sequence (it backs off continuation bytes)."""
    n = len(data)
    pos = start
    while pos < n:
        end = min(pos + size, n)
        back = 0
        while end < n and back < 3 and (data[end] & 0xC0) == 0x80:
            end -= 1
            back += 1
        if end <= pos:
            end = min(pos + size, n)
        yield pos, end
        pos = end


def utf8_error(data: bytes, start: int = 0) -> int | None:
    """Offset in ``data`` of the first byte of ``data[start:]`` that is not UTF-8, or None;
    decodes a window at a time (memory does not grow with the file)."""
    if data.isascii():
        return None
    view = memoryview(data)
    for a, b in utf8_windows(data, start):
        try:
            codecs.utf_8_decode(view[a:b], "strict", True)
        except UnicodeDecodeError as exc:
            return a + exc.start
    return None


def check_text(rel: str, data: bytes, start: int = 0) -> bytes:
    """Check that ``data[start:]`` is text — not empty, no NUL, UTF-8, one kind of line ending —
    without copying it; returns its line ending (``b"\n"``, ``b"\r\n"`` or ``b"\r"``).  Raises
    :class:`BundleError` located in the file (offsets and lines counted from ``start``)."""
    if _BLANK.fullmatch(data, start):
        n = len(data) - start
        raise BundleError(
            Problem(
                rel,
                "line 1",
                "file is empty",
                expected="content",
                found=f"{n} bytes of white space" if n else "0 bytes",
            )
        )
    at = data.find(b"\x00", start)
    if at >= 0:
        raise BundleError(
            Problem(rel, f"byte {at - start}", "NUL byte in a text file", expected="UTF-8 text", found="NUL")
        )
    bad = utf8_error(data, start)
    if bad is not None:
        line = data.count(b"\n", start, bad) + 1
        raise BundleError(
            Problem(
                rel,
                f"line {line}",
                "file is not valid UTF-8",
                expected="UTF-8 text",
                found=f"byte 0x{data[bad]:02x}",
            )
        )
    crlf = data.count(b"\r\n", start)
    lf = data.count(b"\n", start) - crlf
    cr = data.count(b"\r", start) - crlf
    if sum(1 for k in (crlf, lf, cr) if k) > 1:
        first = other = None
        for i, m in enumerate(_ENDINGS.finditer(data, start)):
            if first is None:
                first = m.group()
            elif m.group() != first:
                other = (i, m.group())
                break
        assert first is not None and other is not None
        i, ending = other
        raise BundleError(
            Problem(
                rel,
                f"line {i + 1}",
                "mixed line endings",
                expected=f"one kind of line ending throughout (line 1 ends with {_EOL[first.decode()]})",
                found=f"{_EOL[ending.decode()]} here; {crlf} CRLF, {lf} LF, {cr} CR in all",
            )
        )
    return b"\r\n" if crlf else b"\r" if cr else b"\n"


def decode_text(rel: str, data: bytes) -> str:
    """Decode a text file strictly: UTF-8 (a leading byte-order mark, as Windows editors and Excel
    write it, is dropped), no NUL, consistent line endings (returned as ``\n``)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    ending = check_text(rel, data, start)
    text = codecs.utf_8_decode(memoryview(data)[start:], "strict", True)[0]
    return text if ending == b"\n" else text.replace(ending.decode(), "\n")


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
