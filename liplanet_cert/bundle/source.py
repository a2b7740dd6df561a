"""Reading the files of a bundle (a directory or a ``.zip``) safely.

A :class:`BundleSource` lists the bundle's regular files by POSIX relative path and reads them
with limits (:mod:`liplanet_cert.bundle.limits`).  Nothing outside the bundle root can be reached:
absolute paths, ``..`` segments, drive letters and symlinks that resolve outside the root are
refused (:mod:`liplanet_cert.bundle.dirscan`), zip entries are checked for size, count and
compression ratio before anything is decompressed (:mod:`liplanet_cert.bundle.zipscan`).  A
bundle is never modified.

Only regular files are read (:mod:`liplanet_cert.infra.inputfile`): a FIFO or device named as the bundle
(``x.zip``) is refused and one inside a bundle folder is skipped, never opened blocking.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from liplanet_cert.bundle.dirscan import scan_directory
from liplanet_cert.bundle.limits import DEFAULT_LIMITS, Limits
from liplanet_cert.bundle.zipscan import check_zip_directory, scan_zip
from liplanet_cert.errors import BundleError, Problem
from liplanet_cert.infra.inputfile import kind_of, open_input_file

_READ_CHUNK = 1 << 20


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
            self._files = scan_directory(path, self.display, self.limits)  # type: ignore[assignment]
        elif stat.S_ISREG(st.st_mode):
            # a zip holds at most the unpacked limit plus its headers (1 KiB an entry is generous)
            most = self.limits.max_bundle_bytes + 1024 * self.limits.max_entries
            fh, _size = open_input_file(
                path, "bundle", most, error=BundleError, limit_name="LIPLANET_MAX_BUNDLE_BYTES"
            )
            self._zip_file = io.BufferedReader(fh)  # type: ignore[arg-type]
            if zipfile.is_zipfile(self._zip_file):
                try:
                    check_zip_directory(self._zip_file, self.display, self.limits)
                    self._zip, self._files = scan_zip(self._zip_file, self.display, self.limits)  # type: ignore[assignment]
                except BundleError:
                    self.close()
                    raise
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

    # -- API -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._files)

    def exists(self, rel: str) -> bool:
        return rel in self._files

    def read(self, rel: str, max_bytes: int | None = None, what: str = "", log: bool = False) -> bytes:
        """Read one file; enforces the limit of its kind while reading (zip sizes can lie): a log's
        (``log``) or any other file's, or the smaller ``max_bytes`` for a file of a kind that is
        always small (``what``: its kind)."""
        chunks = list(self._chunks(rel, whole=True, max_bytes=max_bytes, what=what, log=log))
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
        self, rel: str, whole: bool = False, max_bytes: int | None = None, what: str = "", log: bool = False
    ) -> Iterator[bytes]:
        """The bytes of one file in pieces (``whole``: in as few as possible), never more than the
        per-file limit; a directory entry is opened as a regular file only, never blocking."""
        entry = self._files.get(rel)
        if entry is None:
            raise BundleError(Problem(rel, message="file not found in the bundle"))
        limit = self.limits.max_log_bytes if log else self.limits.max_file_bytes
        setting = "LIPLANET_MAX_LOG_BYTES" if log else "LIPLANET_MAX_FILE_BYTES"
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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
