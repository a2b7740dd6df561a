"""Output targets given on the command line as ``FORMAT:PATH`` or ``PATH`` (the format from the
file's suffix): ``--output`` reports, ``roundrobin -o``, ``footprint --export-inventory``.  One
parser and one check for all of them, so that every option refuses the same things the same way
(exit 2 naming the option): an unknown format, a missing path, a suffix that names no format, two
targets on one file, a path that cannot be written."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from liplanet_cert.errors import Problem, UsageError


def split_targets(
    specs: Sequence[str] | None,
    known: Sequence[str],
    suffixes: Mapping[str, str],
    *,
    option: str,
    what: str,
    default: str | None = None,
    suffix_decides: bool = True,
) -> list[tuple[str, Path]]:
    """(format, path) of each ``FORMAT:PATH`` or ``PATH``.  A bare path takes the format its suffix
    names (``suffix_decides``; a suffix naming none is refused), else ``default`` (None: a format
    must be named).  ``what``: the kind of file, for the messages ("report", "inventory")."""
    listing = ", ".join(known)
    out: list[tuple[str, Path]] = []
    for spec in specs or []:
        fmt, sep, rest = spec.partition(":")
        if sep:
            if fmt not in known:
                raise UsageError(
                    Problem(
                        option,
                        message=f"unknown {what} format {fmt!r} in {spec!r}",
                        expected=f"FORMAT:PATH with FORMAT one of {listing} (a path that contains ':' needs an explicit format, e.g. {known[0]}:{spec})",
                        found=repr(fmt),
                    )
                )
            if not rest:
                raise UsageError(
                    Problem(option, message=f"no path after {fmt + ':'!r}", expected="FORMAT:PATH")
                )
            out.append((fmt, Path(rest)))
            continue
        path = Path(spec)
        suffix = path.suffix.lower()
        guess = suffixes.get(suffix) if suffix_decides else None
        if guess is None and suffix_decides and (suffix or default is None):
            raise UsageError(
                Problem(
                    option,
                    message=f"cannot tell the {what} format of {spec!r} from its suffix {suffix!r}",
                    expected=f"FORMAT:PATH with FORMAT one of {listing}, or a file ending in {', '.join(sorted(suffixes))}",
                    found=repr(spec),
                )
            )
        out.append((guess or default, path))  # type: ignore[arg-type]
    return out


def check_distinct(targets: Sequence[tuple[object, Path]], *, option: str, whats: str) -> None:
    """Every target can be written (:func:`~liplanet_cert.infra.atomic.check_target`), and no
    two of them replace one file (a device or pipe such as ``/dev/stdout`` may take several);
    ``whats``: the kind of file, plural ("reports", "inventories")."""
    from liplanet_cert.infra.atomic import check_target

    seen: dict[str, Path] = {}
    for _fmt, p in targets:
        if check_target(p) == "replace":
            key = os.path.realpath(p)
            if key in seen:  # the second would silently replace the first
                raise UsageError(
                    Problem(
                        option,
                        message=f"two {whats} would be written to one file: {seen[key]} and {p}",
                        expected=f"one file per {option} (a device or pipe such as /dev/stdout may take several)",
                    )
                )
            seen[key] = p
