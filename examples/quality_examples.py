"""The quality logs of the example bundles (quality_log.csv) and their specification limits
(declaration ``quality_specs``): fictional, deterministic (numpy seed), 5 samples per lot of
coating mass loading, calendering density, tab-weld pull force and electrolyte fill mass.  The
end-of-line characteristics (capacity, resistance, OCV drop) stay in eol_tests.csv.

- approved:     every characteristic centred, sigma = tolerance / 6 (Cpk about 2) and stable (the
  seeds are ones whose X-bar and R charts show no out-of-control signal but the intended one);
- not-approved: the electrolyte fill mass is capable (tolerance = 4 sigma each side) but not in
  control: its mean shifts by +2.5 sigma over the last third of the lots, still within the limits
  (X-bar of n = 5 moves 2.5 sqrt(5) = 5.6 sigma-of-the-mean: far beyond the control limits).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    step: str
    characteristic: str
    unit: str  # as written in the log and the declaration
    mean: float
    sigma: float
    decimals: int
    target_tolerance: tuple[float, float] | None = None  # the declared target ± tolerance
    lsl: float | None = None  # a one-sided lower limit (pull force)


APPROVED = (
    Measured("coating_and_drying", "mass_loading", "mg/cm^2", 20.0, 0.1, 2, (20.0, 0.6)),
    Measured("calendering", "density", "g/cm^3", 3.30, 0.01, 3, (3.30, 0.06)),
    Measured("tab_welding", "pull_force", "N", 45.0, 2.0, 1, lsl=30.0),
    Measured("electrolyte_filling", "fill_mass", "g", 7.0, 0.02, 3, (7.0, 0.12)),
)
NOT_APPROVED = (
    Measured("coating_and_drying", "mass_loading", "mg/cm^2", 18.0, 0.12, 2, (18.0, 0.72)),
    Measured("calendering", "density", "g/cm^3", 3.20, 0.012, 3, (3.20, 0.072)),
    Measured("tab_welding", "pull_force", "N", 40.0, 2.5, 1, lsl=25.0),
    Measured("electrolyte_filling", "fill_mass", "g", 5.5, 0.025, 3, (5.5, 0.2)),
)
SHIFTED = ("electrolyte_filling", 2.5)  # not-approved: (step, mean shift in sigma) over the last third
SAMPLES = 5
HEADER = ["date", "step", "lot_id", "sample_id", "characteristic", "value", "unit"]


def quality_rows(prod: list[list], measured: tuple[Measured, ...], seed: int, shift: bool) -> list[list]:
    """The quality log: per lot and measured step (its date in the production log), SAMPLES
    measurements of the step's characteristic."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lots = sorted({r[2] for r in prod})
    late = set(lots[len(lots) - len(lots) // 3 :])  # the last third of the lots
    when = {(r[2], r[1]): r[0] for r in prod}
    rows = []
    for lot in lots:
        for m in measured:
            mean = m.mean
            if shift and m.step == SHIFTED[0] and lot in late:
                mean += SHIFTED[1] * m.sigma
            for k, value in enumerate(rng.normal(mean, m.sigma, SAMPLES), start=1):
                rows.append(
                    [
                        when[(lot, m.step)],
                        m.step,
                        lot,
                        f"S{k}",
                        m.characteristic,
                        f"{value:.{m.decimals}f}",
                        m.unit,
                    ]
                )
    return rows


def specs_yaml(measured: tuple[Measured, ...]) -> str:
    """The declaration's ``quality_specs`` block."""
    lines = ["quality_specs:                  # specification limits of quality_log.csv"]
    for m in measured:
        head = f"  - {{step: {m.step}, characteristic: {m.characteristic}, "
        if m.target_tolerance is not None:
            t, tol = m.target_tolerance
            lines.append(head + f'target: "{t:g} {m.unit}", tolerance: "{tol:g} {m.unit}"}}')
        else:
            lines.append(head + f'lsl: "{m.lsl:g} {m.unit}"}}')
    return "\n".join(lines)
