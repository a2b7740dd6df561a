"""Finding the bundles in the command-line PATHs: what is a bundle, what is searched, what is skipped.

A PATH is a bundle directory (a folder with a declaration), a ``.zip``, a folder of them (searched
recursively, not below a bundle) or a glob of those (:func:`discover_all`).  A folder holding bundle
files without a declaration is an invalid bundle; a folder holding none is listed as skipped —
nothing vanishes silently.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liplanet_cert.errors import UsageError

DECLARATIONS = ("declaration.yaml", "declaration.yml", "declaration.json")
BUNDLE_FILES = ("production_log.csv", "eol_tests.csv", "energy.csv")
ARCHIVES = (
    ".zip",
    ".tar",
    ".tgz",
    ".tar.gz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".7z",
    ".rar",
)  # only .zip can be read

SKIP_NOT_BUNDLE = "not a bundle: none of " + ", ".join((DECLARATIONS[0], *BUNDLE_FILES))
SKIP_HIDDEN = "hidden folder holding bundle files (names starting with '.' are not searched)"
SKIP_LINK = "symbolic link to a folder (not followed)"


def is_bundle_dir(p: Path) -> bool:
    return any((p / n).is_file() for n in DECLARATIONS)


def is_bundle_file(name: str) -> bool:
    """A file a bundle holds: a log (``production_log.csv``, ``eol_tests.csv``, ``energy.csv``) or
    a declaration, in any letter case and, for the declaration, under any extension."""
    n = name.lower()
    return n in BUNDLE_FILES or n == "declaration" or n.startswith("declaration.")


def bundle_kind(p: Path) -> str | None:
    """``"bundle"`` (a folder with a declaration), ``"no_declaration"`` (it holds bundle files but no
    declaration: an invalid bundle, never a folder to skip) or None (not a bundle)."""
    if is_bundle_dir(p):
        return "bundle"
    try:
        names = os.listdir(p)
    except OSError:
        return None
    return "no_declaration" if any(is_bundle_file(n) for n in names) else None


@dataclass
class Discovery:
    """What the PATH arguments hold: the bundles, and what was searched and skipped (never silently)."""

    bundles: list[str] = field(default_factory=list)
    folders_searched: int = 0
    zips: int = 0
    no_declaration: list[str] = field(default_factory=list)  # among the bundles: they will be invalid
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "bundles": len(self.bundles),
            "folders_searched": self.folders_searched,
            "zips": self.zips,
            "no_declaration": list(self.no_declaration),
            "skipped": list(self.skipped),
        }

    def nothing_found(self) -> UsageError:
        """The error of a batch whose PATHs hold no bundle: how many folders were searched, what was skipped."""
        n = self.folders_searched
        return UsageError(
            f"no bundles found in the given PATHs ({n} folder{'s' if n != 1 else ''} searched"
            + (
                ", skipped: " + "; ".join(f"{x['path']} ({x['reason']})" for x in self.skipped[:10])
                if self.skipped
                else ""
            )
            + ")",
            file="PATH",
        )


def _key(p: Path) -> str:
    return os.path.normcase(os.path.abspath(p))


class _Search:
    """One discovery: each folder is searched once (named twice, as a PATH and by a glob), each
    bundle and each skipped path listed once."""

    def __init__(self) -> None:
        self.found = Discovery()
        self.seen: set[str] = set()
        self.skipped: set[str] = set()
        self.searched: dict[str, tuple[bool, list[Path]]] = {}

    def add(self, p: Path) -> bool:
        """List ``p`` as a bundle (False: it was already)."""
        if _key(p) in self.seen:
            return False
        self.seen.add(_key(p))
        self.found.bundles.append(str(p))
        if p.name.lower().endswith(".zip"):
            self.found.zips += 1
        return True

    def skip(self, p: Path, reason: str) -> None:
        if _key(p) not in self.skipped:
            self.skipped.add(_key(p))
            self.found.skipped.append({"path": str(p), "reason": reason})

    def path(self, p: Path) -> None:
        """One PATH (or glob match): a folder is searched, anything else is a bundle."""
        if p.is_dir():
            _found, empty = self.folder(p)
            for e in empty:
                self.skip(e, SKIP_NOT_BUNDLE)
        else:
            self.add(p)

    def folder(self, p: Path) -> tuple[bool, list[Path]]:
        """Classify and search a folder: (a bundle was found in or below it, topmost empty folders)."""
        if _key(p) not in self.searched:
            self.searched[_key(p)] = self._classify(p)
        return self.searched[_key(p)]

    def _classify(self, p: Path) -> tuple[bool, list[Path]]:
        self.found.folders_searched += 1
        kind = bundle_kind(p)
        if kind == "bundle":
            self.add(p)
            return True, []
        if kind == "no_declaration":
            if self.add(p):
                self.found.no_declaration.append(str(p))
            self.walk(
                p
            )  # it is no real bundle: bundles below it are still found (its empty folders are its own)
            return True, []
        found, empty = self.walk(p)
        return (True, empty) if found else (False, [p])

    def walk(self, p: Path) -> tuple[bool, list[Path]]:
        """Search a folder's entries, in name order: (a bundle was found below it, topmost empty folders)."""
        try:
            entries = sorted(os.scandir(p), key=lambda e: e.name)
        except OSError:  # unreadable: the loader will say why
            self.add(p)
            return True, []
        found, empty = False, []
        for e in entries:
            child = Path(e.path)
            try:
                is_dir = e.is_dir(follow_symlinks=False)
                link_to_dir = not is_dir and e.is_symlink() and e.is_dir()
            except OSError:
                continue
            if e.name.startswith("."):
                if is_dir and bundle_kind(child) is not None:
                    self.skip(child, SKIP_HIDDEN)
                continue
            if is_dir:
                f, em = self.folder(child)
                found |= f
                empty += em
            elif link_to_dir:
                self.skip(child, SKIP_LINK)
            elif e.name.lower().endswith(ARCHIVES):
                self.add(child)
                found = True
        return found, empty


def discover(specs: Iterable[str]) -> list[str]:
    """Bundle paths (as strings) for the command-line PATHs, in a stable order, without duplicates
    (see :func:`discover_all`)."""
    return discover_all(specs).bundles


def discover_all(specs: Iterable[str]) -> Discovery:
    """The bundles of the command-line PATHs, and the folders searched and skipped.

    A PATH is a bundle directory, a ``.zip``, a folder holding bundles (searched recursively, not
    below a bundle), or a glob of those.  A folder that holds bundle files (see
    :func:`is_bundle_file`) but no declaration is a bundle — an invalid one, reported as such — and
    so is an archive other than ``.zip`` or a PATH that does not exist.  Folders below which no
    bundle was found are ``skipped`` (the topmost one is listed), as are symbolic links to folders
    and hidden folders that hold bundle files; other hidden entries are ignored.
    """
    search = _Search()
    for spec in specs:
        matches = sorted(glob.glob(spec, recursive=True)) if glob.has_magic(spec) else [spec]
        if not matches:
            raise UsageError(f"no file or folder matches {spec!r}", file="PATH")
        for m in matches:
            search.path(Path(m))
    return search.found
