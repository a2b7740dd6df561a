"""The typed result of loading a bundle: :class:`Bundle` and its parts (the declared cell and
KPIs, each CSV log as a :class:`LogTable`).  Data only: reading and checking the files is
:mod:`liplanet_cert.bundle.load` and the modules it calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any


@dataclass
class InputFile:
    """A file of the bundle, with its hash (provenance)."""

    path: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class BOMLine:
    """A line of the declared bill of materials: kg of ``material`` per cell, with the supplier's
    emission factor (kg CO2e/kg) and its source when declared."""

    material: str
    kg_per_cell: float
    kg_co2e_per_kg: float | None
    source: str
    pointer: str  # declaration.yaml#/bill_of_materials/<i>


@dataclass
class Cell:
    format: str
    chemistry: str
    capacity_ah: float
    voltage_v: float
    energy_kwh: float
    all_solid_state: bool = False
    mass_kg: float | None = None
    text: dict[str, str] = field(default_factory=dict)  # quantities as declared
    bill_of_materials: tuple[BOMLine, ...] | None = None  # None: not declared (the default applies)


@dataclass
class DeclaredKPI:
    value: float  # in the canonical unit of KPI_SPECS
    text: str
    pointer: str


@dataclass(frozen=True)
class Spec:
    """The specification limits of a quality characteristic (declaration ``#/quality_specs``), in its
    canonical unit (``schemas/quality_characteristics.json``): lower and upper limits and the target
    (nominal), each None when not declared (``target ± tolerance`` declares all three)."""

    lsl: float | None
    usl: float | None
    target: float | None = None
    unit: str = ""  # the canonical unit the limits are in
    pointer: str = ""  # declaration.yaml#/quality_specs/<i>


# Parsing and validation work on plain columns (lists of strings, numpy arrays); each file becomes
# one pandas DataFrame at the end, for the analysis in :mod:`liplanet_cert.assessment.kpis`.  Building the
# frame column by column through pandas costs ~10x more per bundle, which matters in ``batch``.
class LogTable:
    """One CSV log, parsed and checked: typed columns — numpy float arrays for numbers (in the
    canonical unit), ``datetime64[ns]`` arrays for dates, object arrays of text — and ``_row``, the
    file line of each record.  ``frame`` is the same as a pandas DataFrame, built on first use (the
    KPI aggregation needs it for the production log; most checks only need a column or two, and a
    frame per file costs more than parsing it in ``batch``)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["_row"])

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    @cached_property
    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.columns)


@dataclass
class Bundle:
    """A validated submission bundle."""

    path: str
    declaration_file: str
    format_version: str
    pilot_line: dict[str, str]
    country_iso3: str
    period_start: date
    period_end: date
    cell: Cell
    coating_both_sides: bool
    coating_mode: str | None
    steps: dict[str, str]  # step id -> automation level, in declaration order
    declared_kpis: dict[str, DeclaredKPI]
    files: dict[str, str]  # role -> path in bundle
    production: LogTable  # .frame: pandas DataFrame
    eol: LogTable | None
    energy: LogTable | None
    inputs: list[InputFile]
    evidence: list[dict[str, str]]
    passport: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)
    # quality measurements (quality_log.csv, optional): date, step, lot_id, sample_id, characteristic,
    # value (float, in the characteristic's canonical unit), _row; None when the bundle has none
    quality: LogTable | None = None
    quality_specs: dict[tuple[str, str], Spec] = field(default_factory=dict)  # (step, characteristic)

    def step_pointer(self, step: str) -> str:
        return (
            f"{self.declaration_file}#/steps/{list(self.steps).index(step)}"
            if step in self.steps
            else f"{self.declaration_file}#/steps"
        )
