"""Human wording for the internal names a finding carries (metric paths, KPI and step ids).

A finding states what was expected in the terms of the criteria pack: ``kpi.cell_throughput ≥ 20
cell/day``, ``step.tab_welding.automation ≥ semi-automatic``, ``declared scrap_rate within ± 2 % of
the measured 15.4 %``.  An auditor reads "cell throughput ≥ 20 cell/day".  :class:`Labeller`
rewrites such texts for display: every metric path of the catalogue (:mod:`liplanet_cert.catalogue`,
read only) becomes its meaning, a bare threshold gets the unit the metric is measured in, and KPI
and step ids that stand in running text become their titles.  Pointers into the bundle (the
"where" of a finding) are never rewritten: they must stay exact.

Everything is computed from the result and the shipped catalogues; nothing here is user input
being trusted — the output is plain text that the templates escape like any other value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from liplanet_cert.catalogue import CATALOGUE

__all__ = ["Labeller", "labeller", "step_titles", "title_of", "unit_text"]

# Metrics whose catalogue unit is "dimensionless" but whose numbers do have a unit.
_UNIT_OVERRIDES = {"footprint.kg_co2e_per_kwh": "kg CO2e/kWh"}
_DIMENSIONLESS = {"", "1", "dimensionless", "fraction", "ratio"}
_UNIT_TEXT = {"percent": "%"}

# Wording of the fixed metrics of the catalogue (the families kpi./declared./step. are derived).
_FIXED = {
    "cell.format": "cell format",
    "cell.nominal_capacity": "nominal cell capacity",
    "cell.nominal_energy": "nominal cell energy",
    "cell.nominal_voltage": "nominal cell voltage",
    "cell.all_solid_state": "all-solid-state cell",
    "coating.both_sides": "both sides of the current collector coated",
    "scope.areas": "production areas covered",
    "eol.capacity_vs_nominal": "mean measured capacity as a share of nominal",
    "footprint.steps_reported": "share of declared steps with a CO2 footprint",
    "footprint.primary_share_main_production": "share of the main-production footprint from metered data",
    "footprint.kg_co2e_per_kwh": "cell-production footprint",
    "footprint.relevant_steps_primary": "metered share of the footprint of the most relevant steps",
    "balance.unlogged_loss": "units lost between steps without being logged",
    "balance.units_from_nowhere": "units entering a step they never left the step before",
    "eol.untested_cells": "cells made but not end-of-line tested",
    "eol.tested_not_made": "cells tested beyond the cells made",
    "eol.qc_scrap_mismatch": "quality-control scrap differing from end-of-line fails",
    "eol.internal_resistance_cv": "internal-resistance coefficient of variation",
    "eol.ocv_drop_outliers": "cells with an OCV drop above the robust fence",
}
# Boolean metrics: the wording when true, and when false.
_BOOL = {
    "coating.both_sides": (
        "both sides of the current collector coated",
        "one side of the current collector coated",
    ),
    "cell.all_solid_state": ("all-solid-state cell", "not an all-solid-state cell"),
}

# the metric families of the catalogue (kpi, declared, step, cell, footprint, eol, balance ...)
_FAMILIES = tuple(sorted({name.split(".")[0] for name in CATALOGUE} | {"consistency"}))
_PATH_RE = re.compile(r"(?<![\w./#-])((?:" + "|".join(_FAMILIES) + r")(?:\.[A-Za-z0-9_]+)+)(?![\w/#-])")
_CMP = r"(≥|≤|<|>|=|≠|one of|none of|includes all of)"
_BARE_NUMBER = re.compile(r"^\s*([-+]?\d[\d\u202f,]*(?:\.\d+)?)\s*$")


def unit_text(unit: str | None) -> str:
    """A unit as the dossier writes it: ``percent`` as ``%``, a dimensionless one as nothing."""
    u = str(unit or "").strip()
    u = _UNIT_TEXT.get(u.lower(), u)
    return "" if u.lower() in _DIMENSIONLESS else u


def title_of(name: str, titles: dict[str, str] | None = None) -> str:
    """The title of an id: from ``titles`` when it has one, else the id in words, capitalised
    (``coating_and_drying`` → ``Coating and drying``)."""
    if titles and name in titles:
        return titles[name]
    s = str(name).replace("_", " ").strip()
    return s[:1].upper() + s[1:]


@lru_cache(maxsize=1)
def _figure7() -> tuple[dict[str, str], dict[str, str]]:
    """The Figure 7 steps and facility services of the catalogue: id -> title, and area id -> words."""
    from liplanet_cert.catalogue import step_catalogue

    titles: dict[str, str] = {}
    areas: dict[str, str] = {}
    try:
        data = step_catalogue()
    except (OSError, ValueError):
        data = {}
    for key in ("steps", "facility_services"):
        for item in data.get(key, []) or []:
            if isinstance(item, dict) and "id" in item:
                titles[str(item["id"])] = str(item.get("title") or item["id"])
                if item.get("area"):
                    areas[str(item["area"])] = str(item["area"]).replace("_", " ")
    return titles, areas


def step_titles() -> dict[str, str]:
    """Titles of the Figure 7 steps and facility services (step id -> title)."""
    return dict(_figure7()[0])


def _lower_first(title: str) -> str:
    """``"Cell throughput"`` → ``"cell throughput"``; leaves acronyms (``"CO2 …"``, ``"EOL"``) alone."""
    if len(title) > 1 and title[0].isupper() and not title[1].isupper():
        return title[0].lower() + title[1:]
    return title


class Labeller:
    """Rewrites internal names in finding texts.  Build one per rendering (cheap) via :func:`labeller`."""

    def __init__(
        self,
        kpi_titles: dict[str, str],
        step_titles: dict[str, str],
        areas: dict[str, str],
        units: dict[str, str],
    ) -> None:
        self.kpi_titles = kpi_titles  # kpi name -> title (capitalised)
        self.step_titles = step_titles  # step id -> title
        self.areas = areas  # area id -> words
        self.units = units  # metric path -> display unit
        words = sorted(
            [k for k in kpi_titles if "_" in k] + [s for s in step_titles if "_" in s], key=len, reverse=True
        )
        self._word_re = (
            re.compile(r"(?<![\w./#-])(" + "|".join(map(re.escape, words)) + r")(?![\w/#-])")
            if words
            else None
        )

    # -- single names ---------------------------------------------------------------------------

    def kpi(self, name: str) -> str:
        name = str(name)
        return _lower_first(self.kpi_titles.get(name) or name.replace("_", " "))

    def step(self, step_id: str) -> str:
        step_id = str(step_id)
        return _lower_first(self.step_titles.get(step_id) or step_id.replace("_", " "))

    def unit(self, metric: str) -> str:
        return self.units.get(metric, "")

    def metric(self, path: str) -> str:
        """The meaning of one metric path (``kpi.scrap_rate`` → ``overall production scrap rate``)."""
        path = str(path)
        if path in _FIXED:
            return _FIXED[path]
        parts = path.split(".")
        head, rest = parts[0], parts[1:]
        if head == "kpi" and len(rest) == 1:
            return self.kpi(rest[0])
        if head in ("declared", "consistency") and len(rest) == 1:
            return ("declared " if head == "declared" else "declared vs measured ") + self.kpi(rest[0])
        if head == "step" and len(rest) == 2:
            step, what = self.step(rest[0]), rest[1]
            if what == "automation":
                return f"automation of {step}"
            if what == "scrap_rate":
                return f"scrap rate of {step}"
            if what == "declared":
                return f"{step} declared"
            return f"{what.replace('_', ' ')} of {step}"
        if head == "cell" and len(rest) == 1:
            return "cell " + rest[0].replace("_", " ")
        return " ".join(p.replace("_", " ") for p in rest) or path.replace("_", " ")

    # -- running text ---------------------------------------------------------------------------

    def condition(self, text: Any) -> str:
        """A condition or expected-value text with every metric path replaced by its meaning."""
        s = str(text if text is not None else "")
        if not s:
            return s

        # boolean tests read as a statement: "coating.both_sides = true" -> "both sides … coated"
        def boolean(m: re.Match[str]) -> str:
            path, op, value = m.group(1), m.group(2), m.group(3).lower()
            positive = (value == "true") == (op == "=")
            if path in _BOOL:
                return _BOOL[path][0 if positive else 1]
            parts = path.split(".")
            if parts[0] == "step" and len(parts) == 3 and parts[2] == "declared":
                return (
                    f"the line declares {self.step(parts[1])}"
                    if positive
                    else f"the line does not declare {self.step(parts[1])}"
                )
            return self.metric(path) + ("" if positive else " (not)")

        s = re.sub(_PATH_RE.pattern + r"\s*(=|≠)\s*(true|false)\b", boolean, s)

        # a bare threshold gets the unit the metric is measured in
        def with_unit(m: re.Match[str]) -> str:
            path, op, tail = m.group(1), m.group(2), m.group(3)
            unit = self.unit(path)
            if unit and _BARE_NUMBER.match(tail):
                tail = f"{tail.strip()} {unit}"
            label = self.metric(path)
            if op in ("one of", "none of"):
                return f"{label} is {op} {tail}"
            if op == "includes all of":
                return f"{label} include all of {tail}"
            return f"{label} {op} {tail}"

        s = re.sub(_PATH_RE.pattern + r"\s*" + _CMP + r"\s*([^;]*?)(?=$|;| or | and )", with_unit, s)
        s = _PATH_RE.sub(lambda m: self.metric(m.group(1)), s)
        # area ids listed after a scope test
        if self.areas:
            s = re.sub(
                r"(?<![\w./#-])("
                + "|".join(map(re.escape, sorted(self.areas, key=len, reverse=True)))
                + r")(?![\w/#-])",
                lambda m: self.areas[m.group(1)],
                s,
            )
        return self.words(s)

    def consistency(self, text: Any, kpi: str = "") -> str:
        """``declared scrap_rate within ± 2 % of the measured 15.4 %`` in words; an absolute
        tolerance on a percentage is in percentage points."""
        s = str(text if text is not None else "")
        if kpi and self.units.get(f"kpi.{kpi}") == "%":
            s = re.sub(r"±\s*([\d.]+)\s*%(?!\s*\(relative\))", r"± \1 percentage points", s)
        return self.condition(s)

    def words(self, text: Any) -> str:
        """KPI and step ids that stand in running text (``scrap_rate``, ``tab_welding``) as titles."""
        s = str(text if text is not None else "")
        if not self._word_re or not s:
            return s

        def repl(m: re.Match[str]) -> str:
            w = m.group(1)
            return self.kpi(w) if w in self.kpi_titles else self.step(w)

        return self._word_re.sub(repl, s)

    def actual(self, text: Any) -> str:
        """An 'actual' text: ``electrode_throughput: 27.31 m/day`` → ``electrode throughput: 27.31 m/day``."""
        return self.condition(text)


@lru_cache(maxsize=4)
def _catalogues(glossary_titles: tuple[tuple[str, str], ...]) -> Labeller:
    from liplanet_cert.catalogue import CATALOGUE, KPI_SPECS

    kpi_titles = {k: v[2] for k, v in KPI_SPECS.items()}
    kpi_titles.update(dict(glossary_titles))
    titles, areas = _figure7()
    units: dict[str, str] = {}
    for name, spec in CATALOGUE.items():
        u = unit_text(spec.unit)
        if u:
            units[name] = u
    for name in KPI_SPECS:
        if f"kpi.{name}" in units:
            units.setdefault(f"consistency.{name}", units[f"kpi.{name}"])
    units.update(_UNIT_OVERRIDES)
    return Labeller(kpi_titles, dict(titles), dict(areas), units)


def labeller(glossary: dict[str, str] | None = None) -> Labeller:
    """The labeller for the shipped catalogues; ``glossary`` (KPI name → title) wins over the
    KPI titles of the bundle module, so the dossier uses one name per KPI throughout."""
    return _catalogues(tuple(sorted((glossary or {}).items())))
