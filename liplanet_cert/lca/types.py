"""Plain typed inputs and results of the footprint calculation (no heavy imports).

A :class:`FootprintResult` travels typed from the LCA to every reader (evaluation, reports, the
dossier); ``to_dict()`` is its published JSON form and ``from_dict()`` reads that form back (the
footprint of a result stored by an earlier run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CARRIERS = ("electricity", "heat", "materials")
# A step's data source: ``primary`` when every carrier it has (metered, or with a non-zero
# reference-model default) is metered; ``partial`` when some are; ``default`` when none is.
DATA_SOURCES = ("primary", "partial", "default")


@dataclass(frozen=True)
class MeteredStep:
    """What a line metered for one step over the reporting period (already in model units).

    Each (step, carrier) is metered or default on its own: ``None`` for an energy carrier means
    "not metered", and the reference model then supplies that carrier's energy, whatever else the
    step meters; a number (even 0) is the line's own measurement and replaces the default.

    Natural gas is fuel energy.  ``natural_gas_kwh`` is on net calorific value (NCV, the basis of
    the IPCC combustion factors); ``natural_gas_gcv_kwh`` is an amount metered on gross calorific
    value (GCV), converted to NCV with the model's sourced NCV/GCV ratio.  Either or both may be
    given; the carrier is metered when one is.
    """

    step: str
    electricity_kwh: float | None = None
    natural_gas_kwh: float | None = None
    materials_kg: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)
    location: str = ""
    natural_gas_gcv_kwh: float | None = None

    @property
    def has_energy(self) -> bool:
        return self.electricity_kwh is not None or self.gas_metered

    @property
    def gas_metered(self) -> bool:
        return self.natural_gas_kwh is not None or self.natural_gas_gcv_kwh is not None


@dataclass(frozen=True)
class MaterialLine:
    """One line of a declared bill of materials: ``kg_per_cell`` of ``material`` (an id of
    ``lca_models/cell_materials.yaml``), with the supplier's ``kg_co2e_per_kg`` and its ``source``
    when the line declares one (``None``: the model's default factor)."""

    material: str
    kg_per_cell: float
    kg_co2e_per_kg: float | None = None
    source: str = ""
    location: str = ""


@dataclass(frozen=True)
class FootprintInput:
    """Everything the footprint needs from a bundle.

    ``chemistry`` (the declared string, e.g. ``NMC811/graphite``) selects the default bill of
    materials of the materials stage; ``bill_of_materials`` (when not ``None``) is the line's own,
    which replaces the default.  Neither given: the materials stage is not computed.
    """

    country: str
    cells_produced: float
    cell_energy_kwh: float
    steps: tuple[str, ...]
    metered: dict[str, MeteredStep] = field(default_factory=dict)
    fallback_to_eu27: bool = False
    chemistry: str = ""
    bill_of_materials: tuple[MaterialLine, ...] | None = None


@dataclass(frozen=True)
class Flow:
    """One foreground exchange: a step's use of a background supplier over the period.

    ``uncertainty`` holds stats_arrays fields in absolute units (``uncertainty_type``, ``loc``,
    ``scale``, ``minimum``, ``maximum``) or is empty for no uncertainty.
    """

    carrier: str  # electricity | heat | materials
    supplier: str  # background activity code, e.g. "electricity|DEU"
    amount: float  # kWh or kg over the reporting period
    primary: bool
    uncertainty: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class StepInventory:
    """The foreground inventory of one footprint step."""

    step: str
    data_source: str  # primary | partial | default (see DATA_SOURCES)
    flows: tuple[Flow, ...]
    location: str = ""


def _read(d: Any, key: str, kind: type | tuple[type, ...], what: str = "footprint") -> Any:
    """``d[key]`` of a stored footprint, as read (so that it writes back the same), if it is of
    ``kind``.  KeyError or TypeError for anything else."""
    if not isinstance(d, dict):
        raise TypeError(f"{what}: not an object")
    return _typed(d[key], kind, f"{what}/{key}")


def _typed(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` if it is of ``kind`` (a number is never a bool), else TypeError."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise TypeError(f"{where}: {type(value).__name__} is not {kinds[0].__name__}")
    return value


_NUMBER = (float, int)


@dataclass(frozen=True)
class StepResult:
    """Footprint of one step.

    ``data_source`` is one of :data:`DATA_SOURCES`: ``primary`` (every carrier of the step
    metered), ``partial`` (some carriers metered, the others reference-model defaults) or
    ``default``.  ``primary_kg_co2e`` is the metered part of ``kg_co2e``.

    ``kg_co2e`` and ``primary_kg_co2e`` are ``None`` only in a step read back from JSON
    (:meth:`from_dict`): the JSON form does not record them.
    """

    step: str
    kg_co2e: float | None  # over the reporting period
    kg_co2e_per_cell: float
    kg_co2e_per_kwh: float
    share: float
    data_source: str
    contributions: dict[str, float]  # kg CO2e per cell by carrier
    primary_kg_co2e: float | None  # the part computed from the line's metered data

    @property
    def data_label(self) -> str:
        """``primary``, ``partial`` (some carriers metered, the others from the reference model),
        ``default``, or ``default 0`` for a step the reference model gives no value (a zero that
        is a default, not a measurement: it is shown as such)."""
        if self.data_source == "default" and self.kg_co2e_per_cell == 0:
            return "default 0"
        return self.data_source

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "kg_co2e_per_cell": self.kg_co2e_per_cell,
            "kg_co2e_per_kwh": self.kg_co2e_per_kwh,
            "share": self.share,
            "data_source": self.data_source,
            "contributions": {c: self.contributions.get(c, 0.0) for c in CARRIERS},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StepResult:
        """The step :meth:`to_dict` wrote.  It does not write ``kg_co2e`` nor ``primary_kg_co2e``:
        they come back as ``None`` (not recorded), never as a number that was not measured."""
        what = "footprint step"
        contributions = _read(d, "contributions", dict, what)
        return cls(
            step=_read(d, "step", str, what),
            kg_co2e=None,
            kg_co2e_per_cell=_read(d, "kg_co2e_per_cell", _NUMBER, what),
            kg_co2e_per_kwh=_read(d, "kg_co2e_per_kwh", _NUMBER, what),
            share=_read(d, "share", _NUMBER, what),
            data_source=_read(d, "data_source", str, what),
            contributions={c: _read(contributions, c, _NUMBER, what) for c in contributions},
            primary_kg_co2e=None,
        )


MAIN_PRODUCTION = "main_production"
RAW_MATERIALS = "raw_material_acquisition"
_NUMBER_OR_NONE = (float, int, type(None))


@dataclass(frozen=True)
class StageResult:
    """One life-cycle stage of the footprint (EU Battery Regulation 2023/1542 Art. 7):
    ``raw_material_acquisition`` (rows: one per material) or ``main_production`` (rows: the
    per-step rows of :attr:`FootprintResult.steps`).

    A stage that cannot be computed (no bill of materials for the chemistry) has ``not_computed``
    (the reason) and ``None`` numbers: it adds nothing to the totals, and says so.
    """

    name: str
    kg_co2e: float | None  # over the reporting period
    kg_co2e_per_cell: float | None
    kg_co2e_per_kwh: float | None
    primary_data_share: float | None
    rows: tuple[dict[str, Any], ...]
    basis: str = ""  # what the stage was computed from, e.g. "default bill of materials NMC811"
    not_computed: str = ""  # the reason, when the stage is not computed
    # the contribution analysis (lca.contribution.section); None: not computed or not recorded
    contributions: dict[str, Any] | None = None

    @property
    def computed(self) -> bool:
        return not self.not_computed

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kg_co2e": self.kg_co2e,
            "kg_co2e_per_cell": self.kg_co2e_per_cell,
            "kg_co2e_per_kwh": self.kg_co2e_per_kwh,
            "primary_data_share": self.primary_data_share,
            "rows": [dict(r) for r in self.rows],
        }
        if self.basis:
            out["basis"] = self.basis
        if self.not_computed:
            out["not_computed"] = self.not_computed
        if self.contributions is not None:
            out["contributions"] = self.contributions
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StageResult:
        """The stage :meth:`to_dict` wrote."""
        what = "footprint stage"
        return cls(
            name=_read(d, "name", str, what),
            kg_co2e=_read(d, "kg_co2e", _NUMBER_OR_NONE, what),
            kg_co2e_per_cell=_read(d, "kg_co2e_per_cell", _NUMBER_OR_NONE, what),
            kg_co2e_per_kwh=_read(d, "kg_co2e_per_kwh", _NUMBER_OR_NONE, what),
            primary_data_share=_read(d, "primary_data_share", _NUMBER_OR_NONE, what),
            rows=tuple(_typed(r, dict, f"{what}/rows") for r in _read(d, "rows", list, what)),
            basis=_typed(d.get("basis", ""), str, f"{what}/basis"),
            not_computed=_typed(d.get("not_computed", ""), str, f"{what}/not_computed"),
            contributions=_typed(d.get("contributions"), (dict, type(None)), f"{what}/contributions"),
        )


@dataclass(frozen=True)
class FootprintResult:
    """Per-step CO2 footprint with totals, provenance and the optional analyses.

    ``stages`` are the life-cycle stages (raw material acquisition, main production); the totals
    are their sum.  ``steps`` are the rows of the main-production stage.  A footprint stored
    before stages existed reads back with ``stages == ()``.

    ``uncertainty`` (Monte Carlo percentiles) and ``scenario`` (a scenario's reduction per step)
    are the plain JSON the analyses produce.  ``engine`` is ``None`` only in a footprint read back
    from JSON (:meth:`from_dict`): the JSON form does not record it.
    """

    method: tuple[str, ...]
    functional_unit: dict[str, Any]
    steps: tuple[StepResult, ...]
    total_kg_co2e: float
    total_per_cell: float
    total_per_kwh: float
    primary_data_share: float
    model: dict[str, str]
    sources: tuple[dict[str, Any], ...]
    engine: str | None = "fast"  # fast | brightway; None: not recorded
    uncertainty: dict[str, Any] | None = None
    scenario: dict[str, Any] | None = None
    stages: tuple[StageResult, ...] = ()
    background: dict[str, Any] | None = None  # the user's Brightway background, when one was used

    def step(self, name: str) -> StepResult:
        for s in self.steps:
            if s.step == name:
                return s
        raise KeyError(name)

    def stage(self, name: str) -> StageResult | None:
        """The stage ``name`` (``None`` when the footprint has none: one stored before stages)."""
        return next((s for s in self.stages if s.name == name), None)

    @property
    def main_production(self) -> tuple[float, float]:
        """(kg CO2e per kWh, primary data share) of the main-production (gate-to-gate) stage; in a
        footprint stored before stages, its totals (which were main production only)."""
        main = self.stage(MAIN_PRODUCTION)
        if main is None or main.kg_co2e_per_kwh is None or main.primary_data_share is None:
            return self.total_per_kwh, self.primary_data_share
        return main.kg_co2e_per_kwh, main.primary_data_share

    def to_dict(self) -> dict[str, Any]:
        """The JSON of issue 3 (plain types, deterministic order)."""
        out: dict[str, Any] = {
            "method": list(self.method),
            "functional_unit": dict(self.functional_unit),
            "steps": [s.to_dict() for s in self.steps],
            "total": {
                "kg_co2e_per_cell": self.total_per_cell,
                "kg_co2e_per_kwh": self.total_per_kwh,
                "kg_co2e": self.total_kg_co2e,
            },
            "primary_data_share": self.primary_data_share,
            **({"stages": [s.to_dict() for s in self.stages]} if self.stages else {}),
            "model": dict(self.model),
            "sources": [dict(s) for s in self.sources],
        }
        if self.uncertainty is not None:
            out["uncertainty"] = self.uncertainty
        if self.scenario is not None:
            out["scenario"] = self.scenario
        if self.background is not None:
            out["background"] = self.background
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FootprintResult:
        """The footprint :meth:`to_dict` wrote (that of a result stored by an earlier run), values
        as stored so that ``from_dict(x).to_dict() == x``.  Not written there, hence not recorded:
        ``engine`` (``None``) and each step's ``kg_co2e`` and ``primary_kg_co2e`` (``None``, see
        :meth:`StepResult.from_dict`).  KeyError or TypeError when ``d`` is not of that shape."""
        total = _read(d, "total", dict)
        uncertainty, scenario, background = d.get("uncertainty"), d.get("scenario"), d.get("background")
        stages = _typed(d.get("stages", []), list, "footprint/stages")
        return cls(
            method=tuple(_read(d, "method", list)),
            functional_unit=dict(_read(d, "functional_unit", dict)),
            steps=tuple(StepResult.from_dict(s) for s in _read(d, "steps", list)),
            total_kg_co2e=_read(total, "kg_co2e", _NUMBER, "footprint/total"),
            total_per_cell=_read(total, "kg_co2e_per_cell", _NUMBER, "footprint/total"),
            total_per_kwh=_read(total, "kg_co2e_per_kwh", _NUMBER, "footprint/total"),
            primary_data_share=_read(d, "primary_data_share", _NUMBER),
            model=dict(_read(d, "model", dict)),
            sources=tuple(_typed(s, dict, "footprint/sources") for s in _read(d, "sources", list)),
            engine=None,
            uncertainty=None if uncertainty is None else _read(d, "uncertainty", dict),
            scenario=None if scenario is None else _read(d, "scenario", dict),
            stages=tuple(StageResult.from_dict(s) for s in stages),
            background=None if background is None else _read(d, "background", dict),
        )
