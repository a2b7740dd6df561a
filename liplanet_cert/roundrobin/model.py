"""The typed data of a round robin, shared by its readers, its statistics and its reports.

Inputs: :class:`Observation` (one row of results), :class:`Protocol` with a :class:`MeasurandSpec`
per measurand, and :class:`MeasurandData` (the observations of one measurand, converted to its unit
and grouped by participant).  Output: :class:`RoundRobinResult`, whose ``to_dict`` is the published
JSON form (``liplanet-cert schema roundrobin-result``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FLAGS = ("satisfactory", "questionable", "unsatisfactory")
#: The flag of a participant no score could be formed for (no assigned value, or sigma_pt = 0); the
#: measurand's ``limitations`` say why.
NOT_SCORED = "not scored"


@dataclass(frozen=True)
class Observation:
    """One result: a participant's value of a measurand (a row of the results CSV, or a cell of a
    bundle's end-of-line file).  ``uncertainty`` is a standard uncertainty in ``unit``."""

    participant: str
    measurand: str
    value: float
    unit: str
    replicate: int | None = None
    uncertainty: float | None = None
    cell_id: str | None = None
    location: str = ""  # file and row, for located errors


@dataclass(frozen=True)
class MeasurandSpec:
    """How one measurand is scored (protocol, or the defaults without one)."""

    name: str
    unit: str
    assigned: str = "algorithm_a"  # algorithm_a | reference
    reference_value: float | None = None  # when assigned == "reference"
    reference_uncertainty: float | None = None  # standard uncertainty of the reference value
    sigma_pt: float | None = None  # fixed by the protocol (in unit); None: the robust SD
    limits: tuple[float, float] = (2.0, 3.0)  # |score| <= 2 satisfactory, >= 3 unsatisfactory


@dataclass(frozen=True)
class Protocol:
    id: str = "default"
    version: str = "0"
    round_id: str = ""
    reference_design: str = ""
    measurands: dict[str, MeasurandSpec] = field(default_factory=dict)
    source: str = ""  # the protocol file, or "defaults (no protocol)"


@dataclass
class MeasurandData:
    """One measurand's observations in its unit: participant -> [(value, standard uncertainty or
    None)] in replicate order."""

    spec: MeasurandSpec
    by_participant: dict[str, list[tuple[float, float | None]]]


@dataclass(frozen=True)
class ParticipantScore:
    participant: str  # the code shown (pseudonym) unless --reveal
    value: float  # the participant's result: the mean of its replicates
    uncertainty: float | None
    z: float | None
    z_prime: float | None
    zeta: float | None
    En: float | None
    flag: str  # one of FLAGS (on z, or z' where u(x_pt) > 0.3 sigma_pt), or NOT_SCORED
    replicates: int = 1
    flag_score: str = "z"  # the score the flag is given on: z, or z_prime (ISO 13528 §9.2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "value": self.value,
            "uncertainty": self.uncertainty,
            "replicates": self.replicates,
            "z": self.z,
            "z_prime": self.z_prime,
            "zeta": self.zeta,
            "En": self.En,
            "flag": self.flag,
            "flag_score": self.flag_score,
        }


@dataclass
class MeasurandResult:
    measurand: str
    unit: str
    n: int  # participants with a value
    assigned_value: float | None
    u_assigned_value: float | None
    sigma_pt: float | None
    method: str  # how the assigned value and sigma_pt were set, in words
    participants: list[ParticipantScore]
    precision: dict[str, Any] | None = None  # ISO 5725-2 (s_r, s_L, s_R, mandel_h, mandel_k, outliers, ...)
    limitations: list[str] = field(default_factory=list)  # what could not be computed, and why

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "measurand": self.measurand,
            "unit": self.unit,
            "n": self.n,
            "assigned_value": self.assigned_value,
            "u_assigned_value": self.u_assigned_value,
            "sigma_pt": self.sigma_pt,
            "method": self.method,
            "participants": [p.to_dict() for p in self.participants],
            "limitations": list(self.limitations),
        }
        if self.precision is not None:
            out.update(self.precision)
        return out


@dataclass
class RoundRobinResult:
    protocol: Protocol
    measurands: list[MeasurandResult]
    pseudonymised: bool = True
    tool: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p = self.protocol
        return {
            "schema_version": "1.0",
            "tool": dict(self.tool),
            "protocol": {
                "id": p.id,
                "version": p.version,
                "round_id": p.round_id,
                "reference_design": p.reference_design,
                "source": p.source,
            },
            "pseudonymised": self.pseudonymised,
            "measurands": [m.to_dict() for m in self.measurands],
        }
