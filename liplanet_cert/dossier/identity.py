"""Which dossier this is and what it cites: its id and date, the criteria pack and the bundle.

The id is a hash of the canonical result JSON; the cover date comes from ``SOURCE_DATE_EPOCH``
when it is set, otherwise from ``result.assessed_on`` (never the wall clock), so the same result
gives the same dossier.  The pack is cited by id, version and sha256, never copied in; the bundle
is named as the user gave it, never by an install path.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import Result

__all__ = ["bundle_label", "canonical_json", "dossier_date", "dossier_id", "pack_citation"]


def canonical_json(result: Result) -> str:
    """The result as canonical JSON (sorted keys, no whitespace) — the input of the dossier id;
    without ``run_on`` (the day the command ran), so re-running the same assessment later gives
    the same id."""
    doc = {k: v for k, v in result.to_dict().items() if k != "run_on"}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def dossier_id(result: Result) -> str:
    """``LPC-`` and the first 12 hex digits of the sha256 of the canonical result JSON."""
    return "LPC-" + hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()[:12]


def dossier_date(result: Result) -> tuple[str, str]:
    """The date printed on the cover, and where it came from.

    ``SOURCE_DATE_EPOCH`` (reproducible builds convention) wins when it is a valid integer;
    otherwise the assessment date of the result.  The wall clock is never read.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            when = datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
            return when, f"SOURCE_DATE_EPOCH={epoch}"
        except (ValueError, OverflowError, OSError):
            pass
    return str(result.assessed_on), "assessment date"


def pack_citation(result: Result) -> dict[str, str]:
    """How the dossier cites the criteria pack: id, version, sha256 and the command that shows it.

    The pack is never copied into the dossier.  A pack shipped with the tool is shown with
    ``liplanet-cert criteria show <id>@<version>``; a pack the user gave as a file is shown by its
    file name as recorded (never an absolute install path).
    """
    crit = result.criteria
    ref = f"{crit.id}@{crit.version}"
    path = str(getattr(crit, "path", "") or "")
    shipped = True
    if path:
        from liplanet_cert.infra.resources import data_dir

        try:
            shipped = Path(path).resolve().parent == data_dir("criteria").resolve()
        except (OSError, ValueError):
            shipped = False
    target = ref if shipped or not path else (path if not Path(path).is_absolute() else Path(path).name)
    return {"ref": ref, "show": f"liplanet-cert criteria show {target}", "shipped": "yes" if shipped else ""}


def bundle_label(result: Result) -> str:
    """The bundle as the user gave it; an example bundle shipped with the tool as ``example: <name>``.

    ``--example`` resolves to a directory inside the installation (``…/site-packages/…`` or the
    source checkout); that path says nothing to an auditor and differs between machines.
    """
    bundle = result.bundle or {}
    path = str(bundle.get("path", "") or "")
    if not path:
        return str(bundle.get("name", "") or "")
    from liplanet_cert.infra.resources import PACKAGE_DIR

    roots = [PACKAGE_DIR / "_data" / "examples" / "bundles", PACKAGE_DIR.parent / "examples" / "bundles"]
    try:
        where = Path(path).resolve()
        for root in roots:
            root = root.resolve()
            if where.parent == root and root.is_dir():
                return f"example: {where.name}"
    except (OSError, ValueError):
        pass
    return path
