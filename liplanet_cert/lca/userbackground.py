"""The user's own Brightway background (``--background PROJECT/DATABASE``): the choice, the
mapping of the foreground's background needs onto the user's activities, and the record of what
was used.  No Brightway import here: the linking and solving is
:func:`liplanet_cert.lca.userbw.user_background_scores`.

- **Where**: the user's Brightway directory is ``$BRIGHTWAY2_DIR`` (bw2data's own convention), else
  bw2data's default (``platformdirs`` ``Brightway3``/``pylca``).  The tool's embedded project stays
  in ``--bw-dir``/``$LIPLANET_BW_DIR``.  The project must exist (never created: exit 2).
- **Never writing into the user's databases**: the foreground is written to the database
  :data:`FOREGROUND_DB` of the tool's own in the user's project (refused when a database of that
  name exists that the tool did not write, or when the project cannot be written).
- **Mapping**: ``lca_models/background_mapping.yaml`` (versioned), with the user's own file
  (``--background-mapping``) merged over it by need.  A need matches the activity of the chosen
  database with the entry's name, reference product and unit, at the entry's first location (the
  list is the fallback order) that has one.  kWh -> MJ is converted (3.6 MJ per kWh, recorded);
  any other unit difference leaves the need unmatched.
- **Unmatched needs** are all listed (exit 2, each with what was searched) unless
  ``allow_embedded`` (``--allow-embedded-default``): those needs then use the embedded background
  and the result marks them ``"embedded": true``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liplanet_cert.errors import Problem, UsageError

MAPPING_FILE = "background_mapping.yaml"
FOREGROUND_DB = "liplanet-foreground"
MAX_MAPPING_BYTES = 1_000_000
MJ_PER_KWH = 3.6  # definition of the kilowatt hour (3.6e6 J)
_FIELDS = ("name", "reference product", "location", "unit")
_CONVERSIONS = {("kilowatt hour", "kilowatt hour"): 1.0, ("kilogram", "kilogram"): 1.0}
_CONVERSIONS[("kilowatt hour", "megajoule")] = MJ_PER_KWH


@dataclass(frozen=True)
class BackgroundSpec:
    """Which background to use: ``project``/``database`` in the Brightway directory ``bw_dir``,
    the user's mapping file (optional) and whether unmatched needs may use the embedded default."""

    project: str
    database: str
    bw_dir: Path
    mapping_file: Path | None = None
    allow_embedded: bool = False

    @property
    def label(self) -> str:
        return f"{self.project}/{self.database}"


def user_bw_dir() -> Path:
    """The user's Brightway directory: ``$BRIGHTWAY2_DIR``, else bw2data's default."""
    env = os.environ.get("BRIGHTWAY2_DIR")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.PlatformDirs("Brightway3", "pylca").user_data_dir)


def parse_background(
    text: str,
    *,
    mapping_file: Path | str | None = None,
    allow_embedded: bool = False,
    bw_dir: Path | None = None,
) -> BackgroundSpec:
    """``PROJECT/DATABASE`` (split at the first ``/``) in ``bw_dir`` (default :func:`user_bw_dir`,
    read now: call this before anything imports Brightway for the tool's own project)."""
    project, sep, database = text.partition("/")
    if not sep or not project.strip() or not database.strip():
        raise UsageError(
            Problem(
                "--background",
                message="not a Brightway project and database",
                expected="PROJECT/DATABASE, e.g. 'my-study/ecoinvent-3.10-cutoff'",
                found=text,
            )
        )
    return BackgroundSpec(
        project=project,
        database=database,
        bw_dir=bw_dir or user_bw_dir(),
        mapping_file=Path(mapping_file) if mapping_file else None,
        allow_embedded=allow_embedded,
    )


@dataclass(frozen=True)
class Mapping:
    """The merged mapping: need -> entry (name, reference product, locations, unit)."""

    needs: dict[str, dict[str, Any]]
    version: str
    sha256: str
    user_file: str | None = None
    user_version: str | None = None
    user_sha256: str | None = None

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": MAPPING_FILE, "version": self.version, "sha256": self.sha256}
        if self.user_file is not None:
            out["user"] = {"file": self.user_file, "version": self.user_version, "sha256": self.user_sha256}
        return out


def _parse(data: bytes, name: str) -> tuple[dict[str, dict[str, Any]], str]:
    """(needs, version) of one mapping file; every problem located, all at once."""
    from liplanet_cert.infra.safeyaml import YAMLProblem, load

    try:
        doc = load(data.decode("utf-8"))
    except (UnicodeDecodeError, YAMLProblem) as exc:
        raise UsageError(Problem(name, message="not a readable YAML mapping", found=str(exc))) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("needs"), dict) or "version" not in doc:
        raise UsageError(
            Problem(name, message="not a background mapping", expected="a mapping with version and needs")
        )
    problems, needs = [], {}
    for need, entry in doc["needs"].items():
        where = f"needs/{need}"
        if not isinstance(entry, dict):
            problems.append(Problem(name, where, "not a mapping entry", expected=", ".join(_FIELDS)))
            continue
        locs = entry.get("location")
        locs = [locs] if isinstance(locs, str) else locs
        bad = [f for f in _FIELDS if f != "location" and not isinstance(entry.get(f), str)]
        if not isinstance(locs, list) or not locs or not all(isinstance(x, str) for x in locs):
            bad.append("location")
        if bad:
            problems.append(
                Problem(
                    name, where, f"missing or invalid: {', '.join(bad)}", expected="text (location: a list)"
                )
            )
            continue
        needs[str(need)] = {
            "name": entry["name"],
            "reference product": entry["reference product"],
            "location": list(locs),
            "unit": entry["unit"],
        }
    if problems:
        raise UsageError(problems)
    return needs, str(doc["version"])


def load_mapping(user_file: Path | None = None, root: Path | None = None) -> Mapping:
    """The shipped mapping (``root`` or the shipped ``lca_models/``), the user's merged over it."""
    from liplanet_cert.infra.inputfile import read_input_file
    from liplanet_cert.lca.model import models_dir

    path = (root or models_dir()) / MAPPING_FILE
    data = path.read_bytes()
    needs, version = _parse(data, str(path))
    mapping = Mapping(needs, version, hashlib.sha256(data).hexdigest())
    if user_file is None:
        return mapping
    raw = read_input_file(user_file, "background mapping", MAX_MAPPING_BYTES)
    own, own_version = _parse(raw, str(user_file))
    return Mapping(
        needs | own,
        version,
        mapping.sha256,
        str(user_file),
        own_version,
        hashlib.sha256(raw).hexdigest(),
    )


def need_unit(need: str) -> str:
    """The unit of the foreground's amounts of ``need``: kWh for energy, kg for materials."""
    return "kilogram" if need.split("|", 1)[0] in ("material", "cell_material") else "kilowatt hour"


def match_needs(
    needs: list[str], mapping: Mapping, activities: list[dict[str, Any]], database: str
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(matched, unmatched) needs: matched -> the activity (name, reference product, location,
    unit, code, id) and ``conversion`` (activity units per unit of the need); unmatched -> what
    was searched and why nothing fits."""
    index: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for a in activities:
        index.setdefault((a["name"], a["reference product"], a["location"]), []).append(a)
    matched: dict[str, dict[str, Any]] = {}
    unmatched: dict[str, str] = {}
    for need in needs:
        entry = mapping.needs.get(need)
        if entry is None:
            unmatched[need] = "no entry in the background mapping"
            continue
        searched = (
            f"name {entry['name']!r}, reference product {entry['reference product']!r}, "
            f"unit {entry['unit']!r}, location {' > '.join(entry['location'])} in {database!r}"
        )
        found = None
        for loc in entry["location"]:
            rows = index.get((entry["name"], entry["reference product"], loc), [])
            rows = sorted((r for r in rows if r["unit"] == entry["unit"]), key=lambda r: r["code"])
            if rows:
                found = rows[0]
                break
        if found is None:
            unmatched[need] = f"searched {searched}: no activity"
            continue
        factor = _CONVERSIONS.get((need_unit(need), found["unit"]))
        if factor is None:
            unmatched[need] = (
                f"searched {searched}: found {found['code']} in {found['unit']!r}, which cannot be "
                f"converted from the need's {need_unit(need)!r}"
            )
            continue
        matched[need] = dict(found) | {"conversion": factor}
    return matched, unmatched


def unmatched_error(spec: BackgroundSpec, unmatched: dict[str, str]) -> UsageError:
    """Every unmatched need at once (exit 2), with the way out."""
    return UsageError(
        [
            Problem(
                f"background {spec.label}",
                location=need,
                message="background need not matched",
                expected="an activity as given by the mapping (fix it with --background-mapping FILE, "
                "or pass --allow-embedded-default to use the embedded background for it)",
                found=why,
            )
            for need, why in sorted(unmatched.items())
        ]
    )


def need_record(act: dict[str, Any] | None, embedded_impact: float | None = None) -> dict[str, Any]:
    """What the result says about one need: the matched activity, or that it is embedded."""
    if act is None:
        return {"embedded": True, "kg_co2e_per_unit": embedded_impact}
    out = {k: act[k] for k in ("name", "reference product", "location", "unit", "code")}
    if act["conversion"] != 1.0:
        out["conversion"] = f"{act['conversion']:g} {act['unit']} per {need_unit_of(act)}"
    return out


def need_unit_of(act: dict[str, Any]) -> str:
    return "kilowatt hour" if act["unit"] == "megajoule" else act["unit"]


def database_metadata(meta: dict[str, Any], n_activities: int) -> dict[str, Any]:
    """What the result records of the user's database: its ``version`` and ``modified`` (bw2data
    metadata, when there), its ``format`` and ``backend``, and the number of activities."""
    out = {k: str(meta[k]) for k in ("version", "modified", "format", "backend") if meta.get(k) is not None}
    return out | {"number_of_activities": n_activities}
