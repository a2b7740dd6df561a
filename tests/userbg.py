"""A throw-away user Brightway directory for the ``--background`` tests (issue 17, item 1).

:func:`build_user_dir` writes, in ``user``, a project ``study`` with a minimal biosphere (the
three flows the method characterises, named as in ecoinvent's biosphere), the method written for
them, and a database shaped like ecoinvent (``ecoinvent-3.10-cutoff``: markets -> production mixes
-> emissions, name / reference product / location / unit / code, a few hundred exchanges).  The
unit impacts are computed by hand below; :func:`expected` gives the approved example's footprint
on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liplanet_cert.infra.resources import example_bundle

DB = "ecoinvent-3.10-cutoff"
BIO = "ecoinvent-3.10-biosphere"
CH4_GWP = 29.8  # the factors written below for the method (IPCC 2021 GWP100: CH4 fossil 29.8, N2O 273)
# Hand calculation of the unit impacts (kg CO2e per unit the foreground uses):
# electricity DE: market MV (kWh) takes 1.02 kWh of market HV (2 % losses); market HV = 0.6 kWh
#   lignite (1.1 kg CO2) + 0.4 kWh wind (0.01 kg CO2): HV = 0.66 + 0.004 = 0.664;
#   MV = 1.02 x 0.664 = 0.67728 kg CO2e per kWh.
ELEC_DE = 0.67728
# heat: furnace, 'Europe without Switzerland', per MJ: 0.056 kg CO2 + 0.0001 kg CH4 x 29.8 =
#   0.056 + 0.00298 = 0.05898 kg CO2e/MJ; per kWh of the need: x 3.6 MJ/kWh = 0.212328.
#   (the RoW furnace, 0.07 kg CO2/MJ, must not be used: the location list prefers Europe)
HEAT = 0.212328
# materials (kg): market for X (GLO) = 1.0 kg of 'X production' (GLO) + 0.1 tkm of lorry transport
#   (0.2 kg CO2 per tkm -> 0.02); production emits the CO2 below: market = CO2 + 0.02.
MATERIALS = {
    "lithium_hydroxide_spodumene": ("market for lithium hydroxide", "lithium hydroxide", 9.98),  # 10.0
    "nickel_sulfate": ("market for nickel sulfate", "nickel sulfate", 4.98),  # 5.0
    "cobalt_sulfate": ("market for cobalt sulfate", "cobalt sulfate", 7.98),  # 8.0
    "graphite_synthetic": ("market for graphite, battery grade", "graphite, battery grade", 11.98),  # 12.0
    "copper": ("market for copper, cathode", "copper, cathode", 3.98),  # 4.0
}
MAT_IMPACT = {k: v[2] + 0.02 for k, v in MATERIALS.items()}
COUNTRIES = (
    "DE FR PL AT BE NL IT ES SE CZ DK FI PT HU RO BG HR CY EE GR IE LV LT LU MT SK SI NO GB CH".split()
)


def _act(code: str, name: str, product: str, loc: str, unit: str, exc: list[tuple[Any, float, str]]) -> dict:
    rows = [{"input": (DB, code), "amount": 1.0, "type": "production"}]
    rows += [{"input": k, "amount": a, "type": t} for k, a, t in exc]
    return {"name": name, "reference product": product, "location": loc, "unit": unit, "exchanges": rows}


def _ecoinvent_like(co2: Any, ch4: Any, n2o: Any) -> dict:
    """~ 15 countries x 4 electricity activities + heat + materials: a few hundred exchanges."""
    data: dict = {}
    mv, hv = "electricity, medium voltage", "electricity, high voltage"
    for i, c in enumerate(COUNTRIES):
        lig, wind = 1.1 if c == "DE" else 0.9 - 0.02 * i, 0.01
        data[(DB, f"lig-{c}")] = _act(
            f"lig-{c}",
            "electricity production, lignite",
            hv,
            c,
            "kilowatt hour",
            [(co2, lig, "biosphere"), (ch4, 0.0, "biosphere"), (n2o, 0.0, "biosphere")],
        )
        data[(DB, f"wind-{c}")] = _act(
            f"wind-{c}",
            "electricity production, wind, 1-3MW turbine, onshore",
            hv,
            c,
            "kilowatt hour",
            [(co2, wind, "biosphere")],
        )
        data[(DB, f"hv-{c}")] = _act(
            f"hv-{c}",
            "market for electricity, high voltage",
            hv,
            c,
            "kilowatt hour",
            [((DB, f"lig-{c}"), 0.6, "technosphere"), ((DB, f"wind-{c}"), 0.4, "technosphere")],
        )
        data[(DB, f"mv-{c}")] = _act(
            f"mv-{c}",
            "market for electricity, medium voltage",
            mv,
            c,
            "kilowatt hour",
            [((DB, f"hv-{c}"), 1.02, "technosphere")],
        )
    furnace = "heat production, natural gas, at industrial furnace >100kW"
    heat = "heat, district or industrial, natural gas"
    data[(DB, "heat-eu")] = _act(
        "heat-eu",
        furnace,
        heat,
        "Europe without Switzerland",
        "megajoule",
        [(co2, 0.056, "biosphere"), (ch4, 0.0001, "biosphere")],
    )
    data[(DB, "heat-row")] = _act("heat-row", furnace, heat, "RoW", "megajoule", [(co2, 0.07, "biosphere")])
    data[(DB, "lorry")] = _act(
        "lorry",
        "market for transport, freight, lorry >32 metric ton, EURO6",
        "transport, freight, lorry >32 metric ton, EURO6",
        "RER",
        "ton kilometer",
        [(co2, 0.2, "biosphere")],
    )
    for k, (name, product, kg) in MATERIALS.items():
        data[(DB, f"prod-{k}")] = _act(
            f"prod-{k}", f"{product} production", product, "GLO", "kilogram", [(co2, kg, "biosphere")]
        )
        data[(DB, f"mkt-{k}")] = _act(
            f"mkt-{k}",
            name,
            product,
            "GLO",
            "kilogram",
            [((DB, f"prod-{k}"), 1.0, "technosphere"), ((DB, "lorry"), 0.1, "technosphere")],
        )
    return data


def build_user_dir(user: Path, brightway_dir: Path) -> Path:
    """BRIGHTWAY2_DIR ``user`` with project 'study': biosphere, method, ecoinvent-shaped database
    (``brightway_dir``: the tool's own, set up, from the ``brightway_dir`` fixture)."""
    from liplanet_cert.lca import brightway as bw
    from liplanet_cert.lca.model import load_model

    bd, _ = bw._bw(brightway_dir)
    with bw.quiet():
        bd.projects.change_base_directories(user, project_name="study")
        bw._state["dir"] = user
        flows = {
            n: (BIO, c)
            for n, c in (
                ("Carbon dioxide, fossil", "co2"),
                ("Methane, fossil", "ch4"),
                ("Dinitrogen monoxide", "n2o"),
            )
        }
        bio = {
            key: {"name": n, "categories": ("air",), "unit": "kilogram", "type": "emission"}
            for n, key in flows.items()
        }
        bd.Database(BIO).write(bio)
        co2, ch4, n2o = flows.values()
        bd.Database(DB).write(_ecoinvent_like(co2, ch4, n2o))
        meta = bd.databases[DB]
        meta["version"] = "3.10"
        bd.databases.flush()
        method = bd.Method(load_model().method)
        method.register(unit="kg CO2-Eq")
        method.write([(co2, 1.0), (ch4, CH4_GWP), (n2o, 273.0)])
        assert 300 <= sum(len(a["exchanges"]) for a in _ecoinvent_like(co2, ch4, n2o).values())
    return user


def expected() -> tuple[dict[str, float], float]:
    """Per step (kg CO2e over the period): its amounts x the hand-computed unit impacts above;
    the materials stage: kg per cell x cells x the hand-computed material impacts."""
    from liplanet_cert.assessment.footprint import footprint_input
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle
    from liplanet_cert.lca.inventory import build_inventory
    from liplanet_cert.lca.materials import build_materials
    from liplanet_cert.lca.model import load_model

    b = load_bundle(example_bundle())
    inp = footprint_input(b, measure(b))
    _, inv = build_inventory(inp, load_model())
    unit = {"electricity|DEU": ELEC_DE, "heat|natural_gas": HEAT}
    steps = {i.step: sum(f.amount * unit[f.supplier] for f in i.flows) for i in inv}
    mats = build_materials(inp, load_model())
    mat = sum(f.kg_per_cell * inp.cells_produced * MAT_IMPACT[f.material] for f in mats.flows)
    return steps, mat
