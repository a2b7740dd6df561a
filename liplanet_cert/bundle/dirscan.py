"""Listing a bundle directory safely: its regular files by POSIX relative path, within the
limits, iteratively (no recursion limit) and at most :data:`MAX_FOLDER_DEPTH` folders deep.

Symlinks must stay inside the bundle and are not followed into folders (their files are reached
through the real path); a FIFO or device is skipped, never opened; a folder or file that cannot
be read (permissions) or whose name is not UTF-8 is a located problem."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from liplanet_cert.bundle.limits import Limits
from liplanet_cert.errors import BundleError, Problem
from liplanet_cert.infra.inputfile import not_unicode_text

MAX_FOLDER_DEPTH = 32  # folders inside a bundle (evidence/2026/q3/...): deeper is refused, not recursed into


def scan_directory(path: Path, display: str, limits: Limits) -> dict[str, Path]:
    """The regular files of the bundle directory ``path`` (shown as ``display``): relative POSIX
    path -> real path, in sorted order of each folder; raises :class:`BundleError` on the first
    problem (a limit passed, a link leading outside, an unreadable folder)."""
    root = path.resolve()
    scan = _Scan(root, display, limits)
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        here, depth = stack.pop()
        folders = scan.folder(here, depth)
        stack.extend((f, depth + 1) for f in reversed(folders))
    return scan.files


class _Scan:
    """The files found so far, and the counts the limits apply to."""

    def __init__(self, root: Path, display: str, limits: Limits) -> None:
        self.root, self.display, self.limits = root, display, limits
        self.files: dict[str, Path] = {}
        self.total = 0  # bytes
        self.entries = 0  # folders count towards the entry limit too

    def folder(self, here: Path, depth: int) -> list[Path]:
        """Record the files of folder ``here`` (``depth`` levels down); returns its sub-folders."""
        folders: list[Path] = []
        for item in self._listing(here):
            p = here / item.name
            rel = _shown_rel(p, self.root)
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
                self.entries += 1
                _check_depth(rel, depth + 1)
                folders.append(p)
                self._check_entries()
                continue
            if is_link:
                p = _resolve_inside(p, self.root)
                if p.is_dir():
                    self.entries += 1
                    self._check_entries()
                    continue
            self._file(rel, p)
        return folders

    def _listing(self, here: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(here) as it:
                return sorted(it, key=lambda e: e.name)
        except OSError as exc:
            shown = _shown_rel(here, self.root) if here != self.root else self.display
            raise BundleError(
                Problem(
                    shown,
                    "folder",
                    f"cannot read folder: {exc.strerror or type(exc).__name__}",
                    expected="a readable folder",
                )
            ) from None

    def _file(self, rel: str, p: Path) -> None:
        """Record ``p`` if it is a regular file (a FIFO or device is skipped)."""
        try:
            st = p.stat()
        except OSError as exc:
            raise BundleError(Problem(rel, message=f"cannot read file: {exc.strerror}")) from None
        if not stat.S_ISREG(st.st_mode):
            return
        self._check_size(rel, st.st_size)
        self.total += st.st_size
        if self.total > self.limits.max_bundle_bytes:
            raise BundleError(
                Problem(
                    rel,
                    "bundle directory",
                    f"bundle too large: limit {self.limits.max_bundle_bytes} bytes (LIPLANET_MAX_BUNDLE_BYTES)",
                    expected=f"at most {self.limits.max_bundle_bytes} bytes in all",
                    found=f"at least {self.total} bytes",
                )
            )
        self.files[rel] = p
        self._check_entries()

    def _check_entries(self) -> None:
        if len(self.files) + self.entries > self.limits.max_entries:
            raise BundleError(
                Problem(
                    self.display,
                    "bundle directory",
                    f"too many files in the bundle: limit {self.limits.max_entries} (LIPLANET_MAX_ENTRIES)",
                    expected=f"at most {self.limits.max_entries} files and folders",
                    found=f"more than {self.limits.max_entries}",
                )
            )

    def _check_size(self, rel: str, size: int) -> None:
        most, setting = self.limits.largest_file
        if size > most:
            raise BundleError(
                Problem(
                    rel,
                    "whole file",
                    f"file too large: limit {most} bytes ({setting})",
                    expected=f"at most {most} bytes",
                    found=f"{size} bytes",
                )
            )


def _check_depth(rel: str, depth: int) -> None:
    if depth > MAX_FOLDER_DEPTH:
        raise BundleError(
            Problem(
                rel,
                "folder",
                f"folders nested too deep: limit {MAX_FOLDER_DEPTH} levels",
                expected=f"at most {MAX_FOLDER_DEPTH} nested folders",
                found=f"more than {MAX_FOLDER_DEPTH}",
            )
        )


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
