"""Where a report points: the bundle file a finding names, and a file of a bundle as a path (JUnit's
``file``) or as a URI (SARIF's ``artifactLocation``)."""

from __future__ import annotations

from pathlib import PurePath, PurePosixPath
from urllib.parse import quote

from liplanet_cert.assessment.result import Finding, Result


def location_file(location: str) -> str:
    """The bundle file named by a finding's location (``declaration.yaml#/kpis/x; energy.csv rows 2-4``)."""
    first = location.split(";")[0].strip()
    first = first.split("#")[0].strip()
    return first.split(" ")[0] if first else ""


def finding_file(result: Result, f: Finding) -> str:
    """The bundle file (relative to the bundle) a finding points at: the first file its location
    names, else the declaration."""
    return location_file(f.location) or result.bundle.get("declaration", "")


def bundle_file(base: str, rel: str = "") -> str:
    """The file ``rel`` of the bundle ``base`` as a path; ``base`` itself when there is no ``rel``."""
    return f"{base.rstrip('/')}/{rel}" if rel else base


def bundle_uri(bundle_path: str, rel: str = "") -> str:
    """A relative (POSIX) URI for a file of the bundle; absolute paths become file:// URIs."""
    p = PurePath(bundle_path)
    posix = PurePosixPath(*p.parts) if not p.is_absolute() else None
    if rel:
        rel = rel.replace("\\", "/")
    if posix is None:
        full = bundle_file(p.as_posix(), rel)
        return "file://" + quote(full if full.startswith("/") else "/" + full)
    return quote(bundle_file(posix.as_posix(), rel).removeprefix("./"))
