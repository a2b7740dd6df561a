"""The core use cases: assess a bundle against a criteria pack and return a :class:`Result`;
validate a bundle; a bundle's footprint and its battery-passport section.

These never print and never exit; the CLI and the batch runner call them and hand the result to
reporters and views.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from liplanet_cert.assessment.evaluate import Context, evaluate, verdict_of
from liplanet_cert.assessment.kpis import Measurements, measure
from liplanet_cert.assessment.result import KPI, CriteriaRef, Result
from liplanet_cert.bundle.limits import DEFAULT_LIMITS, Limits
from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.bundle.model import Bundle
from liplanet_cert.criteria.pack import CriteriaPack
from liplanet_cert.criteria.select import parse_at, select_pack
from liplanet_cert.errors import LCAError, Problem, UsageError
from liplanet_cert.version import __version__


@dataclass(frozen=True)
class AssessOptions:
    """How to assess: which criteria, on which day, with or without the footprint."""

    criteria: str | None = None  # pack id, id@version or path
    at: date | None = None  # day the criteria are selected for (default today)
    footprint: bool | None = None  # None: only when the pack has sustainability criteria
    bw_dir: Path | None = None
    limits: Limits = DEFAULT_LIMITS
    waivers: Any = None  # a waivers.WaiverSet (load_waivers), applied after evaluation
    dossier: bool = False  # the audit dossier will be written: it needs the footprint (footprint=True)
    roundrobin: Path | None = None  # a round-robin result (roundrobin --format json): roundrobin.* metrics
    roundrobin_participant: str | None = None  # the line's code in it (else its name, if revealed)
    background: Any = None  # the user's Brightway background (lca.userbackground.BackgroundSpec)

    def __post_init__(self) -> None:
        if self.dossier:
            object.__setattr__(self, "footprint", True)
        if isinstance(self.at, str):  # library callers: at="2026-11-01"
            object.__setattr__(self, "at", parse_at(self.at))
        for key in ("bw_dir", "roundrobin"):
            if isinstance(getattr(self, key), str):
                object.__setattr__(self, key, Path(getattr(self, key)))


@lru_cache(maxsize=1)
def _tool_info() -> dict[str, str]:
    """Tool, Python and Brightway package versions (read from package metadata: no Brightway import)."""
    from importlib.metadata import PackageNotFoundError, version

    info = {"name": "liplanet-cert", "version": __version__, "python": platform.python_version()}
    for dist in ("bw2data", "bw2calc", "bw2io"):
        try:
            info[dist] = version(dist)
        except PackageNotFoundError:
            info[dist] = "not installed"
    return info


def tool_info() -> dict[str, str]:
    """Tool, Python and Brightway versions (a fresh copy; the lookup itself is cached)."""
    return dict(_tool_info())


def validate(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Check schema, units and cross-file consistency; raises BundleError listing every problem."""
    return load_bundle(path, limits=limits)


def assess(
    path: str | Path, options: AssessOptions | None = None, *, pack: CriteriaPack | None = None, **kwargs: Any
) -> Result:
    """Assess the bundle at ``path``.  Keyword arguments are :class:`AssessOptions` fields."""
    options = options or AssessOptions(**kwargs)
    pack = pack or select_pack(options.criteria, options.at)
    bundle = load_bundle(path, limits=options.limits)
    return assess_bundle(bundle, pack, options)


def pack_needs_footprint(pack: CriteriaPack) -> bool:
    return any(c.metric.startswith("footprint.") or c.category == "sustainability" for c in pack.criteria)


def check_assessment_day(bundle: Bundle, day: date) -> None:
    """An assessment cannot predate the data it judges: ``day`` (``--at``, default today) before the
    end of the bundle's reporting period is refused (exit 2)."""
    if day < bundle.period_end:
        raise UsageError(
            Problem(
                "--at",
                message=f"the assessment day {day} is before the end of the reporting period ({bundle.period_end})",
                expected=f"--at {bundle.period_end} or later (an assessment cannot predate the data it judges)",
                found=str(day),
            )
        )


def assess_bundle(bundle: Bundle, pack: CriteriaPack, options: AssessOptions) -> Result:
    check_assessment_day(bundle, options.at or date.today())
    ctx = Context(bundle, measure(bundle))
    m = ctx.measurements
    if options.roundrobin is not None:
        from liplanet_cert.assessment.roundrobin_line import load_roundrobin

        name = str(bundle.pilot_line.get("name", ""))
        ctx.roundrobin = load_roundrobin(options.roundrobin, name, options.roundrobin_participant)
    want_fp = options.footprint if options.footprint is not None else pack_needs_footprint(pack)
    if want_fp:
        from liplanet_cert.assessment.footprint import bundle_footprint

        try:
            ctx.footprint = bundle_footprint(bundle, m, bw_dir=options.bw_dir, background=options.background)
        except LCAError as exc:
            if options.footprint:  # explicitly asked for: the user's error stops the run
                raise
            ctx.footprint_error = f"footprint could not be computed: {exc}"
    findings = evaluate(pack, ctx)
    if options.waivers is None:
        return build_result(bundle, pack, m, findings, ctx, options)
    from liplanet_cert.assessment.waivers import apply_waivers

    applied = apply_waivers(
        findings,
        options.waivers,
        pilot_line=bundle.pilot_line.get("name", ""),
        bundle_path=bundle.path,
        day=options.at or date.today(),
    )
    result = build_result(bundle, pack, m, applied.findings, ctx, options)
    result.warnings.extend(applied.warnings)
    result.waivers = {"file": options.waivers.file, "sha256": options.waivers.sha256}
    return result


def _rounded(values: Sequence[float], digits: int) -> list[float]:
    """``[round(v, digits) ...]`` for a few hundred measurements (or millions), vectorised."""
    if not len(values):
        return []
    import numpy as np

    return np.round(np.asarray(values, dtype=float), digits).tolist()


def build_result(
    bundle: Bundle, pack: CriteriaPack, m: Measurements, findings: list, ctx: Context, options: AssessOptions
) -> Result:
    from liplanet_cert.catalogue import KPI_SPECS

    kpis: dict[str, KPI] = {}
    for name, (_dim, unit, title) in KPI_SPECS.items():
        declared = bundle.declared_kpis.get(name)
        kpis[name] = KPI(
            name=name,
            title=title,
            unit="%" if unit == "percent" else unit,
            declared=declared.value if declared else None,
            measured=m.values.get(name),
            declared_location=declared.pointer if declared else "",
            measured_location=m.locations.get(name, ""),
        )
    limits = {
        c.check[0].metric.split(".")[1]: c.check[0].value
        for c in pack.criteria
        if len(c.check) == 1
        and c.check[0].metric.startswith("step.")
        and c.check[0].metric.endswith(".scrap_rate")
    }
    for s in m.steps:
        s.scrap_limit = limits.get(s.step)
    cell = bundle.cell
    tool = tool_info()
    day = options.at or date.today()
    warnings = list(bundle.warnings)
    if ctx.footprint_error:
        warnings.append(ctx.footprint_error)
    result = Result(
        verdict=verdict_of(findings),
        criteria=_criteria_ref(pack, day),
        findings=findings,
        kpis=kpis,
        steps=m.steps,
        inputs=bundle.inputs + ([ctx.roundrobin.input] if ctx.roundrobin is not None else []),
        pilot_line=dict(bundle.pilot_line),
        reporting_period={"start": bundle.period_start.isoformat(), "end": bundle.period_end.isoformat()},
        cell={
            "format": cell.format,
            "chemistry": cell.chemistry,
            "all_solid_state": cell.all_solid_state,
            **cell.text,
        },
        # path as the user gave it (never resolved), so results do not depend on the working directory
        bundle={
            "name": Path(bundle.path).name,
            "path": bundle.path,
            "format_version": bundle.format_version,
            "declaration": bundle.declaration_file,
        },
        assessed_on=day.isoformat(),
        tool=tool,
        run_on=date.today().isoformat(),
        daily_output=m.daily_output,
        eol_capacity={"unit": "Ah", "values": _rounded(m.capacities, 6), "nominal": cell.capacity_ah},
        footprint=ctx.footprint,
        warnings=warnings,
    )
    if ctx.roundrobin is not None and options.roundrobin is not None:
        rr = ctx.roundrobin
        result.roundrobin = {
            "file": str(options.roundrobin),
            "sha256": rr.input.sha256,
            "participant": rr.participant,
        }
    if getattr(bundle, "quality", None) is not None:
        from liplanet_cert.assessment.quality import quality_stats, summaries

        result.quality = summaries(ctx.quality if ctx.quality is not None else quality_stats(bundle))
    if result.pack_what_if():  # first among the warnings: every report shows them
        result.warnings.insert(0, result.pack_what_if())
    return result


def _criteria_ref(pack: CriteriaPack, day: date) -> CriteriaRef:
    """The pack a result cites, with whether it is in force on the assessment ``day``."""
    from liplanet_cert.criteria.pack import shipped_packs
    from liplanet_cert.criteria.select import in_force, validity_text

    packs = shipped_packs()
    return CriteriaRef(
        pack.id,
        pack.version,
        pack.sha256,
        pack.title,
        pack.path,
        in_force=in_force(pack, day, packs),
        valid=validity_text(pack, packs),
        status=str(pack.raw.get("status", "released")),
    )
