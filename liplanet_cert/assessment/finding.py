"""The finding of one criterion: its status, the sentences reports print, and the thresholds
and measured values as data (result format 1.1 and later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    """Outcome of one criterion."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"  # could not be evaluated: never a silent pass
    WAIVED = "waived"  # failed, but covered by an active waiver


@dataclass(frozen=True)
class Threshold:
    """A limit a criterion tests, as data: ``metric op value`` with ``value`` in ``unit``.

    ``unit`` is the unit the program computes the metric in (``percent`` means 7.5 is 7.5 %, never
    a fraction); ``None`` for what is not a quantity (an automation level, a format, a flag, a set).
    ``role`` says whether the limit is the check itself or the condition for it to apply.  For a
    consistency criterion the op is ``within`` and the value the allowed difference between the
    declared and the measured value (``relative``: in percent of the measured one).
    """

    metric: str
    op: str
    value: Any
    unit: str | None = None
    role: str = "check"  # check | applies_if
    relative: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "op": self.op,
            "value": _plain(self.value),
            "unit": self.unit,
            "role": self.role,
            "relative": self.relative,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Threshold:
        return cls(
            d["metric"],
            d["op"],
            d.get("value"),
            d.get("unit"),
            d.get("role", "check"),
            bool(d.get("relative")),
        )


@dataclass(frozen=True)
class Measured:
    """A value the criterion found for one metric, as data (``None`` when the bundle does not
    allow measuring it), in ``unit`` (see :class:`Threshold`)."""

    metric: str
    value: Any
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": _plain(self.value), "unit": self.unit}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Measured:
        return cls(d["metric"], d.get("value"), d.get("unit"))


def _plain(value: Any) -> Any:
    """JSON form of a metric value: sets become sorted lists, numpy scalars Python numbers."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, (set, frozenset, tuple, list)):
        return (
            sorted(_plain(v) for v in value)
            if isinstance(value, (set, frozenset))
            else [_plain(v) for v in value]
        )
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


@dataclass
class Finding:
    """The evaluation of one criterion against one bundle.

    ``expected`` and ``actual`` are the sentences reports print; ``thresholds`` and ``measured``
    hold the same limits and values as data, which every consumer (dossier, diff, impact) reads.
    """

    id: str
    title: str
    category: str
    severity: str  # required | advisory
    status: Status
    expected: str
    actual: str
    message: str
    location: str  # file and JSON pointer / CSV rows in the bundle
    source: str = ""  # roadmap reference or proposal rationale
    metric: str = ""
    lots: list[str] = field(default_factory=list)
    waiver: dict[str, Any] | None = None
    thresholds: list[Threshold] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)  # shallow: asdict's deep copy costs ~0.5 ms per result
        d["status"] = self.status.value
        d["lots"] = list(self.lots)
        d["waiver"] = dict(self.waiver) if self.waiver is not None else None
        d["thresholds"] = [t.to_dict() for t in self.thresholds]
        d["measured"] = [m.to_dict() for m in self.measured]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The finding of a stored result; one of format 1.0 has no thresholds or measured values."""
        known = {k: v for k, v in d.items() if k in _FINDING_FIELDS}
        known["status"] = Status(d["status"])
        known["lots"] = list(d.get("lots") or [])
        known["thresholds"] = [Threshold.from_dict(t) for t in d.get("thresholds") or []]
        known["measured"] = [Measured.from_dict(m) for m in d.get("measured") or []]
        return cls(**known)

    def measured_value(self, metric: str) -> Measured | None:
        """The measured value of ``metric`` in this finding, if it recorded one."""
        return next((m for m in self.measured if m.metric == metric), None)


_FINDING_FIELDS = {f for f in Finding.__dataclass_fields__}
