"""A round robin's analysis: per measurand, each participant's result (the mean of its replicates),
the assigned value and its standard uncertainty (ISO 13528 Algorithm A consensus, or the protocol's
reference value), σ_pt (the protocol's, or the robust SD s*), the scores z, z′, ζ, E_n with their
flags, and, with replicates, the ISO 5725-2 precision.  What cannot be computed is stated in the
measurand's ``limitations``, never raised.

Pure computation: :func:`analyse` takes the grouped data of ``roundrobin.data`` and a protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from liplanet_cert.roundrobin import stats
from liplanet_cert.roundrobin.model import (
    NOT_SCORED,
    MeasurandData,
    MeasurandResult,
    ParticipantScore,
    Protocol,
    RoundRobinResult,
)
from liplanet_cert.roundrobin.precision import precision
from liplanet_cert.version import __version__


@dataclass
class _Assigned:
    value: float | None = None
    u: float | None = None
    sigma_pt: float | None = None
    words: tuple[str, str] = ("", "")  # how the assigned value, and sigma_pt, were set


def _results(md: MeasurandData, limits: list[str]) -> dict[str, tuple[float, float | None, int]]:
    """participant -> (mean of replicates, mean of the given standard uncertainties or None, n)."""
    out: dict[str, tuple[float, float | None, int]] = {}
    for name, rows in md.by_participant.items():
        if not rows:
            limits.append(f"participant {name!r} has no value for this measurand")
            continue
        vals = stats.finite([v for v, _ in rows], f"{md.spec.name}: values of {name}")
        us = [u for _, u in rows if u is not None]
        u = float(stats.finite(us, f"{md.spec.name}: uncertainties of {name}").mean()) if us else None
        if u is not None and u < 0:
            raise ValueError(f"{md.spec.name}: negative uncertainty for {name}")
        out[name] = (float(vals.mean()), u, len(rows))
    return out


def _assign(md: MeasurandData, values: list[float], limits: list[str]) -> _Assigned:
    spec, p = md.spec, len(values)
    robust = stats.algorithm_a(values) if values else None
    got = _Assigned()
    if spec.assigned == "reference":
        if spec.reference_value is None:
            limits.append("the protocol names a reference value but gives none: no assigned value")
        else:
            got.value, got.u = float(spec.reference_value), spec.reference_uncertainty
            u_words = "its stated standard uncertainty" if got.u is not None else "no stated uncertainty"
            got.words = (f"assigned value: the protocol's reference value, u(x_pt) {u_words}", "")
    elif robust is not None and robust.s is not None and robust.limitation is None:
        got.value, got.u = robust.x, stats.u_assigned_consensus(robust.s, p)
        got.words = (
            f"assigned value: ISO 13528 Algorithm A consensus of {p} participants "
            f"(converged in {robust.iterations} iterations), u(x_pt) = 1.25 s*/sqrt(p)",
            "",
        )
    else:
        why = robust.limitation if robust is not None else "no values"
        if robust is not None and robust.s == 0.0:
            got.value = robust.x
            got.words = ("assigned value: the median (Algorithm A cannot iterate with s* = 0)", "")
            limits.append(f"no Algorithm A consensus ({why}); the median is shown, without uncertainty")
        else:
            limits.append(f"no consensus assigned value (ISO 13528 Algorithm A): {why}")
    if spec.sigma_pt is not None:
        got.sigma_pt = float(spec.sigma_pt)
        got.words = (got.words[0], "sigma_pt: fixed by the protocol")
    elif robust is not None and robust.s is not None:
        got.sigma_pt = robust.s
        got.words = (got.words[0], "sigma_pt: robust SD s* (ISO 13528 Algorithm A)")
    if got.sigma_pt is not None and got.sigma_pt <= 0:
        limits.append("sigma_pt = 0 (all values equal, or more than half equal): z and z' cannot be formed")
    elif got.sigma_pt is None:
        why = robust.limitation if robust is not None else "no values"
        limits.append(
            f"no sigma_pt (none in the protocol, and no robust SD: {why}): z and z' cannot be formed"
        )
    return got


def _score(
    name: str, res: tuple[float, float | None, int], a: _Assigned, on_prime: bool, limits: tuple[float, float]
) -> ParticipantScore:
    x, u, n = res
    z = zp = zeta = en = None
    if a.value is not None:
        if a.sigma_pt is not None and a.sigma_pt > 0:
            z = stats.z_score(x, a.value, a.sigma_pt)
            if a.u is not None:
                zp = stats.z_prime_score(x, a.value, a.sigma_pt, a.u)
        if u is not None and a.u is not None:
            zeta = stats.zeta_score(x, a.value, u, a.u)
            en = stats.en_score(x, a.value, stats.COVERAGE_K * u, stats.COVERAGE_K * a.u)
    judged = zp if on_prime else z
    flag = stats.flag(judged, limits) if judged is not None else NOT_SCORED
    return ParticipantScore(
        name, x, u, z, zp, zeta, en, flag, replicates=n, flag_score="z_prime" if on_prime else "z"
    )


def _method(a: _Assigned, on_prime: bool, lo: float, hi: float) -> str:
    s = "z'" if on_prime else "z"
    parts = [w for w in a.words if w]
    if on_prime:
        parts.append(
            "flag on z' because u(x_pt) > 0.3 sigma_pt (ISO 13528 §9.2: the uncertainty of the assigned value is not negligible)"
        )
    parts.append(
        f"flags: |{s}| <= {lo:g} satisfactory, {lo:g} < |{s}| < {hi:g} questionable, |{s}| >= {hi:g} unsatisfactory"
    )
    parts.append("zeta with standard uncertainties; En with expanded uncertainties U = 2u (k = 2)")
    parts.append(
        "a participant's value is the mean of its replicates, its uncertainty the mean of those it gave"
    )
    return "; ".join(parts)


def analyse_measurand(md: MeasurandData, codes: dict[str, str] | None = None) -> MeasurandResult:
    """One measurand's result; participants shown by their code (``codes``) or their name."""
    spec, limits = md.spec, []
    results = _results(md, limits)
    show = (lambda nm: nm) if codes is None else (lambda nm: codes[nm])
    a = _assign(md, [r[0] for r in results.values()], limits)
    on_prime = a.sigma_pt is not None and a.sigma_pt > 0 and stats.use_z_prime(a.sigma_pt, a.u)
    scores = [_score(show(nm), res, a, on_prime, spec.limits) for nm, res in results.items()]
    if a.value is not None and all(r[1] is None for r in results.values()):
        limits.append("no participant gave an uncertainty: zeta and En are not computed")
    elif a.value is not None and a.u is None and spec.assigned == "reference":
        limits.append("the reference value has no stated uncertainty: z', zeta and En are not computed")
    prec = None
    if any(r[2] >= 2 for r in results.values()):
        if len(results) >= 2:
            reps = {show(nm): [v for v, _ in md.by_participant[nm]] for nm in results}
            prec = precision(reps)
        else:
            limits.append("ISO 5725-2 precision needs at least two participants")
    return MeasurandResult(
        measurand=spec.name,
        unit=spec.unit,
        n=len(results),
        assigned_value=a.value,
        u_assigned_value=a.u,
        sigma_pt=a.sigma_pt,
        method=_method(a, on_prime, *spec.limits),
        participants=scores,
        precision=prec,
        limitations=limits,
    )


def analyse(
    data: dict[str, MeasurandData], protocol: Protocol, codes: dict[str, str] | None = None
) -> RoundRobinResult:
    """Every measurand of ``data`` (in its order), scored per ``protocol``'s specs (carried in each
    :class:`MeasurandData`).  ``codes`` maps participant names to the pseudonyms shown; ``None``
    shows names.  Raises ValueError on NaN/inf (the readers reject those, located, before)."""
    if codes is not None:
        missing = sorted({nm for md in data.values() for nm in md.by_participant} - set(codes))
        if missing:
            raise ValueError(f"no pseudonym for participant(s) {missing}")
    measurands = [analyse_measurand(md, codes) for md in data.values()]
    for m in measurands:
        if any(math.isnan(v) for v in (m.assigned_value, m.sigma_pt) if v is not None):
            raise ValueError(f"{m.measurand}: NaN in the result")  # defensive: never publish NaN
    return RoundRobinResult(
        protocol=protocol,
        measurands=measurands,
        pseudonymised=codes is not None,
        tool={"name": "liplanet-cert", "version": __version__},
    )
