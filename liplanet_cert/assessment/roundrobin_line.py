"""The line's part of a round-robin result, for the criteria (``assess --roundrobin RESULT.json``).

RESULT.json is what ``liplanet-cert roundrobin … --format json`` writes (``RoundRobinResult.to_dict``
of :mod:`liplanet_cert.roundrobin.model`): per measurand, its participants with their value, z, z′,
ζ, E_n and flag.  This module reads it bounded and checked, and finds the assessed line among the
participants: by ``--roundrobin-participant CODE``, or by the line's name when the result was
revealed (``pseudonymised: false``).  Anything else is a located error (exit 2), never a guess.

The file's sha256 and size go into the result's ``inputs`` (path ``--roundrobin:<file>``), so that
``verify`` sees that the result depends on a file outside the bundle.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liplanet_cert.bundle.model import InputFile
from liplanet_cert.catalogue import ROUNDROBIN_FLAGS
from liplanet_cert.errors import Problem, UsageError

MAX_ROUNDROBIN_BYTES = 16 * 1024 * 1024  # five to a few hundred participants: kilobytes
INPUT_PREFIX = "--roundrobin:"  # the path of the file among a result's inputs: never a bundle file's


@dataclass(frozen=True)
class Score:
    """The line's entry for one measurand, with where it is in the file."""

    measurand: str
    unit: str
    value: float | None
    z: float | None
    z_prime: float | None
    flag: str
    on_z_prime: bool  # the flag was given on z′ (the result says ``flag_score: z_prime``)
    pointer: str
    limitations: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundRobinLine:
    """The assessed line in a round-robin result: its participant code and its score per measurand."""

    file: str
    participant: str
    scores: dict[str, Score]  # measurand -> the line's score
    measurands: tuple[str, ...]  # every measurand of the round (the line may lack some)
    limitations: dict[str, tuple[str, ...]]  # measurand -> what the round could not compute
    input: InputFile


def _bad(path: str, where: str, message: str, expected: str = "", found: Any = "") -> UsageError:
    return UsageError(Problem(path, where, message, expected, "" if found == "" else str(found)[:200]))


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    from liplanet_cert.bundle.textfile import decode_text
    from liplanet_cert.errors import LiplanetError
    from liplanet_cert.infra.inputfile import read_input_file, strict_json, unicode_problem

    name = str(path)
    data = read_input_file(path, "round-robin result", MAX_ROUNDROBIN_BYTES)
    try:
        doc = strict_json(decode_text(name, data))
    except LiplanetError as exc:
        raise UsageError(exc.problems) from None
    except (ValueError, RecursionError) as exc:
        raise _bad(name, "document", f"not JSON: {str(exc)[:200]}", "roundrobin --format json") from None
    if not isinstance(doc, dict):
        raise _bad(name, "#", "not a round-robin result", "a JSON object", type(doc).__name__)
    bad = unicode_problem(doc)
    if bad is not None:
        raise _bad(name, bad[0], "not valid Unicode text (a lone surrogate)", "text of Unicode characters")
    return doc, data


def _check(name: str, doc: dict[str, Any]) -> None:
    """The document against the published result schema (``schema roundrobin-result``), then every
    field this module reads, of the right type (located problems, exit 2)."""
    from liplanet_cert.infra.resources import load_schema
    from liplanet_cert.infra.schema_problems import schema_problems

    invalid = schema_problems(name, doc, load_schema("roundrobin-result"), limit=20)
    if invalid:
        raise UsageError(invalid)
    problems = []
    if not isinstance(doc.get("pseudonymised"), bool):
        problems.append(Problem(name, "#/pseudonymised", "missing or not true/false", "true or false"))
    ms = doc.get("measurands")
    if not isinstance(ms, list):
        raise UsageError([*problems, Problem(name, "#/measurands", "missing or not a list", "a list")])
    for i, m in enumerate(ms):
        where = f"#/measurands/{i}"
        if not isinstance(m, dict) or not isinstance(m.get("measurand"), str):
            problems.append(Problem(name, where, "not a measurand", "an object with measurand (text)"))
            continue
        if not isinstance(m.get("unit", ""), str) or not isinstance(m.get("participants"), list):
            problems.append(
                Problem(name, where, "unit or participants missing", "unit (text), participants (list)")
            )
            continue
        for j, p in enumerate(m["participants"]):
            problems += _participant_problems(name, f"{where}/participants/{j}", p)
    if problems:
        raise UsageError(problems[:20])


def _participant_problems(name: str, where: str, p: Any) -> list[Problem]:
    if not isinstance(p, dict) or not isinstance(p.get("participant"), str):
        return [Problem(name, where, "not a participant", "an object with participant (text)")]
    out = []
    for key in ("value", "z", "z_prime"):
        if p.get(key) is not None and not _number(p[key]):
            out.append(
                Problem(name, f"{where}/{key}", "not a finite number", "a number or null", repr(p[key])[:60])
            )
    if p.get("flag") not in ROUNDROBIN_FLAGS:
        out.append(
            Problem(
                name, f"{where}/flag", "unknown flag", ", ".join(ROUNDROBIN_FLAGS), repr(p.get("flag"))[:60]
            )
        )
    return out


def load_roundrobin(path: Path, line_name: str, code: str | None) -> RoundRobinLine:
    """The line (``code``, or ``line_name`` in a revealed result) in the round-robin result at ``path``."""
    name = str(path)
    doc, data = _read(path)
    _check(name, doc)
    who = code if code is not None else line_name.strip()
    if code is None and doc["pseudonymised"]:
        codes = _participants(doc)
        raise _bad(
            name,
            "#/pseudonymised",
            "the round-robin result is pseudonymised: it cannot tell which participant this line is",
            "--roundrobin-participant CODE (one of "
            + ", ".join(codes[:20])
            + "), or a result made with --reveal",
            "pseudonymised: true",
        )
    scores: dict[str, Score] = {}
    limitations: dict[str, tuple[str, ...]] = {}
    for i, m in enumerate(doc["measurands"]):
        lims = tuple(str(x) for x in m.get("limitations") or [] if isinstance(x, str))
        limitations[m["measurand"]] = lims
        mine = [j for j, p in enumerate(m["participants"]) if p["participant"] == who]
        if len(mine) > 1:
            raise _bad(name, f"#/measurands/{i}/participants", "participant listed twice", "once", who)
        if mine:
            p = m["participants"][mine[0]]
            scores[m["measurand"]] = Score(
                m["measurand"],
                m.get("unit", ""),
                p.get("value"),
                p.get("z"),
                p.get("z_prime"),
                p["flag"],
                p.get("flag_score") == "z_prime",
                f"{name}#/measurands/{i}/participants/{mine[0]}",
                lims,
            )
    if not scores:
        how = "--roundrobin-participant" if code is not None else "pilot-line name (the result is revealed)"
        raise _bad(
            name,
            "#/measurands/*/participants/*/participant",
            f"this line is not among the round's participants (looked for its {how})",
            "one of " + ", ".join(_participants(doc)[:20]),
            who,
        )
    inp = InputFile(INPUT_PREFIX + name, hashlib.sha256(data).hexdigest(), len(data))
    return RoundRobinLine(name, who, scores, tuple(limitations), limitations, inp)


def _participants(doc: dict[str, Any]) -> list[str]:
    return sorted({p["participant"] for m in doc["measurands"] for p in m["participants"]})
