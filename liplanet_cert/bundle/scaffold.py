"""``liplanet-cert init``: write a commented bundle skeleton for a pilot line to fill in.

It is never assessable as it is: every value the line has to give is a placeholder ``"<fill in: ...>"``
that ``validate`` reports (all of them at once, exit 2) until replaced, and the sample rows of the
logs carry lot ids (energy.csv: meter ids) ``SAMPLE-...`` that the loader refuses as sample data."""

from __future__ import annotations

from pathlib import Path

from liplanet_cert.catalogue import line_steps
from liplanet_cert.errors import UsageError
from liplanet_cert.infra.atomic import write_text

DECLARATION = """\
# LiPLANET submission bundle — declaration (format 1.0).
# Replace every "<fill in: ...>" placeholder; quantities are text with a unit ("5 Ah", "24 cell/day", "7.5 %").
# The logs hold SAMPLE rows (lot ids SAMPLE-...): replace them with your line's own rows.
# Check your bundle at any time with:  liplanet-cert validate <this directory>
# The full schema:                     liplanet-cert schema bundle
format_version: "1.0"
pilot_line:
  name: "<fill in: name of the pilot line>"   # as it should appear on the certificate
  operator: "<fill in: operating organisation>"
  site: "<fill in: city>"
  country: "<fill in: country code, e.g. DE>"  # ISO 3166-1 alpha-2 or alpha-3 (selects the electricity grid)
reporting_period:                  # every log row must fall inside it
  start: "<fill in: first day, YYYY-MM-DD>"
  end: "<fill in: last day, YYYY-MM-DD>"
cell:
  format: pouch                    # pouch | prismatic | cylindrical
  chemistry: "<fill in: e.g. NMC811/graphite>"  # set all_solid_state: true for ASSB cells
  nominal_capacity: "<fill in: e.g. 5 Ah>"
  nominal_voltage: "<fill in: e.g. 3.65 V>"
  nominal_energy: "<fill in: e.g. 18.25 Wh>"   # should equal capacity x voltage (within 10 %)
electrode_coating:
  both_sides: true                 # both sides of the current collector coated?
  mode: sequential                 # sequential | simultaneous
steps:                             # the Figure 7 steps your line runs: manual | semi-automatic | automatic
  - {step: mixing, automation: semi-automatic}
  - {step: coating_and_drying, automation: automatic}
  - {step: calendering, automation: automatic}
  - {step: cutting, automation: semi-automatic}
  - {step: stacking_or_winding, automation: semi-automatic}
  - {step: tab_welding, automation: semi-automatic}
  - {step: electrolyte_filling, automation: semi-automatic}   # ASSB lines: electrolyte_production
  - {step: sealing, automation: semi-automatic}
  - {step: formation, automation: automatic}
  - {step: aging, automation: automatic}
  - {step: quality_control, automation: semi-automatic}
kpis:                              # what you declare; the tool cross-checks it against your logs
  scrap_rate: "<fill in: e.g. 7.5 %>"
  cell_throughput: "<fill in: e.g. 24 cell/day>"
  electrode_throughput: "<fill in: e.g. 50 m/day>"
files:                             # where the logs are (these are the defaults)
  production_log: production_log.csv
  eol_tests: eol_tests.csv
  energy: energy.csv
  quality_log: quality_log.csv     # optional: quality measurements (delete the file if you log none)
# quality_specs:                   # optional: specification limits of the quality characteristics
#   - {step: coating_and_drying, characteristic: mass_loading, target: "20 mg/cm^2", tolerance: "0.6 mg/cm^2"}
#   - {step: tab_welding, characteristic: pull_force, lsl: "30 N"}
evidence: []                       # optional: [{path: evidence/x.pdf, sha256: <64 hex>, description: ...}]
# passport:                        # needed only for `liplanet-cert passport`
#   usable_energy: "17.3 Wh"
#   application_category: M1       # sets the cycles per year (M1/N1 60, L 20, M2/M3/N2/N3 250)
#   warranty_years: 8              # service life = warranty period
"""

STEPS = line_steps()  # the sample rows: one lot through every step of a lithium-ion line


def _production() -> str:
    # one row per lot and step; units are cell equivalents; units_in = good_out + scrap
    rows = ["date,step,lot_id,units_in,good_out,scrap,electrode_length [m]"]
    for day in range(5, 10):
        for step in STEPS:
            rows.append(
                f"2026-01-{day:02d},{step},SAMPLE-L{day - 4:02d},20,20,0,{'50' if step == 'coating_and_drying' else ''}"
            )
    return "\n".join(rows) + "\n"


def _eol() -> str:
    rows = ["cell_id,lot_id,capacity [Ah],internal_resistance [mohm],ocv_drop [mV],result"]
    for lot in range(1, 6):
        for k in range(20):
            rows.append(f"SAMPLE-C{lot:02d}{k:03d},SAMPLE-L{lot:02d},5.02,1.9,1.2,pass")
    return "\n".join(rows) + "\n"


def _quality() -> str:
    # one row per measurement; a unit per row (or one unit in the header: value [µm])
    rows = ["date,step,lot_id,sample_id,characteristic,value,unit"]
    for lot in range(1, 6):
        for k in range(1, 4):
            rows.append(
                f"2026-01-{lot + 4:02d},coating_and_drying,SAMPLE-L{lot:02d},S{k},mass_loading,20.1,mg/cm^2"
            )
            rows.append(f"2026-01-{lot + 4:02d},tab_welding,SAMPLE-L{lot:02d},S{k},pull_force,42,N")
    return "\n".join(rows) + "\n"


ENERGY = """\
step,period_start,period_end,carrier,amount,unit,meter_accuracy,meter_id
coating_and_drying,2026-01-05,2026-01-09,electricity,10,kWh,1 %,SAMPLE-M1
formation,2026-01-05,2026-01-09,electricity,0.2,kWh/cell,0.5 %,SAMPLE-M2
"""

README = """\
This is a LiPLANET submission bundle skeleton (format 1.0).

declaration.yaml    what the line is and declares (commented)
production_log.csv  one row per lot and step: date, step, lot_id, units_in, good_out, scrap,
                    electrode_length [m] (coating rows); units are cell equivalents
eol_tests.csv       one row per cell: cell_id, lot_id, capacity [Ah], internal_resistance [mohm],
                    ocv_drop [mV], result (pass|fail); units go in the header, in brackets
energy.csv          metered energy per step and period: carrier electricity | natural_gas | a
                    material of the LCA model; unit per row (kWh, MJ, kWh/cell, kg/lot, ...);
                    steps you do not meter use the sourced reference model (marked 'default')
quality_log.csv     optional: one row per quality measurement: date, step, lot_id, sample_id,
                    characteristic (mass_loading, pull_force, ...), value, unit (or value [unit])

Nothing here is assessable as it is: replace every "<fill in: ...>" placeholder in declaration.yaml and
the SAMPLE rows of the logs (lot ids SAMPLE-..., energy meter ids SAMPLE-...) with your own
data, then run: liplanet-cert validate .
"""


def scaffold(directory: Path) -> list[Path]:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(
            f"{directory} already exists and is not empty; choose a new directory", file=str(directory)
        )
    files = {
        "declaration.yaml": DECLARATION,
        "production_log.csv": _production(),
        "eol_tests.csv": _eol(),
        "energy.csv": ENERGY,
        "quality_log.csv": _quality(),
        "README.txt": README,
    }
    return [write_text(directory / name, text) for name, text in files.items()]
