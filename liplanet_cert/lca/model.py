"""The versioned LCA model files in ``lca_models/`` (YAML only; cheap to load, cached)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from liplanet_cert.errors import LCAError, Problem

try:  # the C loader is ~10x faster and equally safe
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

KWH_PER_TJ = 277_777.777_777_777_8


def models_dir() -> Path:
    """Directory of the shipped model files."""
    from liplanet_cert.infra.resources import data_dir

    return data_dir("lca_models")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise LCAError(Problem(file=str(path), message="cannot read LCA model file", found=str(exc))) from exc
    if not isinstance(data, dict) or "id" not in data or "version" not in data:
        raise LCAError(
            Problem(
                file=str(path),
                message="LCA model file lacks id/version",
                expected="a mapping with id and version",
            )
        )
    return data


@dataclass(frozen=True)
class Model:
    """All model files, parsed, with their combined sha256."""

    root: Path
    manifest: dict[str, Any]
    background: dict[str, Any]
    reference: dict[str, Any]
    classes: dict[str, Any]
    scenarios: dict[str, dict[str, Any]]
    sha256: str
    cell_materials: dict[str, Any]

    @property
    def method(self) -> tuple[str, ...]:
        return tuple(self.manifest["method"]["name"])

    @property
    def info(self) -> dict[str, str]:
        return {"id": self.manifest["id"], "version": str(self.manifest["version"]), "sha256": self.sha256}

    # --- background -------------------------------------------------------------------------
    def grid(self, country: str) -> dict[str, Any] | None:
        return self.background["electricity"]["countries"].get(country)

    def suppliers(self) -> dict[str, float]:
        """Background activity code -> kg CO2e per unit as stated in the model (before Brightway)."""
        el = self.background["electricity"]
        out = {f"electricity|{c}": v["g_co2e_per_kwh"] / 1000 for c, v in el["countries"].items()}
        out.update(
            {f"electricity|{s}": v["g_co2e_per_kwh"] / 1000 for s, v in el.get("suppliers", {}).items()}
        )
        out.update({f"material|{m}": v["kg_co2e_per_kg"] for m, v in self.background["materials"].items()})
        out.update(
            {f"cell_material|{m}": v["kg_co2e_per_kg"] for m, v in self.cell_materials["materials"].items()}
        )
        return out

    def materials(self) -> set[str]:
        return set(self.background["materials"])

    # --- reference model --------------------------------------------------------------------
    @property
    def production_steps(self) -> tuple[str, ...]:
        return tuple(self.reference["production_steps"])

    @property
    def facility_services(self) -> tuple[str, ...]:
        return tuple(self.reference["facility_services"])

    def default_intensity(self, step: str, carrier: str) -> tuple[float, float, float]:
        """(min, mode, max) kWh per kWh of cell capacity of ``carrier`` for ``step``."""
        src_carrier = {"electricity": "electricity", "heat": "heat_natural_gas"}[carrier]
        rows = {(r["source_step"], r["carrier"]): r for r in self.reference["rows"]}
        lo = mode = hi = 0.0
        for part in self.reference["mapping"].get(step, []):
            row = rows.get((part["source_step"], src_carrier))
            if row is None:
                continue
            frac = float(Fraction(str(part["fraction"])))
            avg = float(row["average_kwh_per_kwh_cell"])
            scale = avg / float(row["average"])
            vals = [float(row[k]) * scale for k in ("low", "average", "high")]
            lo += frac * min(vals)
            mode += frac * avg
            hi += frac * max(vals)
        return lo, mode, hi

    def scenario(self, name: str) -> dict[str, Any]:
        if name not in self.scenarios:
            raise LCAError(
                Problem(
                    file=str(self.root / "scenarios"),
                    message=f"unknown scenario {name!r}",
                    expected="one of " + ", ".join(sorted(self.scenarios)),
                    found=name,
                )
            )
        return self.scenarios[name]

    def sources(self) -> tuple[dict[str, Any], ...]:
        """Data sources with year, for the dossier."""
        bg, ref, man = self.background, self.reference, self.manifest
        gas = bg["heat"]["natural_gas"]
        out = [
            {
                "id": "method",
                "what": "characterisation (IPCC 2021 GWP100)",
                "source": man["method"]["source"].strip(),
                "year": man["method"]["year"],
            },
            {
                "id": "grid",
                "what": bg["electricity"]["source"]["what"],
                "source": bg["electricity"]["source"]["citation"],
                "year": bg["electricity"]["source"]["year"],
                "licence": bg["electricity"]["source"]["licence"],
            },
            {
                "id": "grid_uncertainty",
                "what": "stated uncertainty of grid factors",
                "source": bg["electricity"]["uncertainty"]["source"],
                "year": bg["electricity"]["uncertainty"]["year"],
            },
            {
                "id": "reference_energy",
                "what": "reference per-step energy model (default data)",
                "source": " ".join(ref["source"]["citation"].split()),
                "year": ref["source"]["year"],
            },
            {
                "id": "meter_accuracy_default",
                "what": "meter accuracy when none is stated",
                "source": " ".join(man["meter_accuracy_default"]["source"].split()),
                "year": man["meter_accuracy_default"]["year"],
            },
        ]
        out += _gas_sources(gas)
        for sup, v in bg["electricity"].get("suppliers", {}).items():
            out.append(
                {
                    "id": f"electricity_{sup}",
                    "what": f"electricity supplier {sup}",
                    "source": " ".join(v["source"].split()),
                    "year": v["year"],
                }
            )
        for mat, v in sorted(bg["materials"].items()):
            out.append(
                {
                    "id": f"material_{mat}",
                    "what": f"process material {mat}",
                    "source": " ".join(v["source"].split()),
                    "year": v["year"],
                }
            )
        return tuple(out) + self.cell_material_sources()

    def cell_material_sources(self) -> tuple[dict[str, Any], ...]:
        """The sources of the materials stage (factors, default bill of materials) as one entry,
        for the dossier; each is cited in full, with its data, in ``cell_materials.yaml``."""
        src = self.cell_materials["sources"].values()
        return (
            {
                "id": "cell_materials",
                "what": "cell materials: factors and default bill of materials",
                "source": "; ".join(" ".join(v["citation"].split()) for v in src),
                "year": max(int(v["year"]) for v in src),
                "licence": ", ".join(sorted({str(v["licence"]) for v in src})),
            },
        )


def _gas_sources(gas: dict[str, Any]) -> list[dict[str, Any]]:
    """The natural-gas sources: combustion (one row: one guideline), upstream, calorific basis."""
    out: list[dict[str, Any]] = []
    keys = ("co2_kg_per_tj", "ch4_kg_per_tj", "n2o_kg_per_tj")  # one row: the same guideline
    items = [gas["combustion"][k] for k in keys]
    out.append(
        {
            "id": "natural_gas_combustion",
            "what": "natural-gas combustion CO2, CH4, N2O",
            "source": "; ".join(dict.fromkeys(" ".join(i["source"].split()) for i in items)),
            "year": items[0]["year"],
        }
    )
    out.append(
        {
            "id": "natural_gas_upstream",
            "what": "natural-gas supply chain (upstream)",
            "source": " ".join(gas["upstream"]["source"].split()),
            "year": gas["upstream"]["year"],
        }
    )
    basis = gas.get("calorific_basis")
    if basis:
        out.append(
            {
                "id": "natural_gas_calorific_basis",
                "what": f"natural gas: NCV/GCV ratio {basis['ncv_per_gcv']['value']} (unstated basis: {basis['default']})",
                "source": " ".join(basis["ncv_per_gcv"]["source"].split()),
                "year": basis["ncv_per_gcv"]["year"],
            }
        )
    return out


@lru_cache(maxsize=4)
def _load(root: Path) -> Model:
    man = _read(root / "model.yaml")
    files = man["files"]
    # (the background mapping is not the model: a result records its own sha256 when it was used)
    paths = sorted(p for p in root.rglob("*.yaml") if p.name != "background_mapping.yaml")
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    scen = {}
    for p in sorted((root / files["scenarios"]).glob("*.yaml")):
        data = _read(p)
        scen[data["id"]] = data
    return Model(
        root=root,
        manifest=man,
        background=_read(root / files["background"]),
        reference=_read(root / files["reference_energy"]),
        classes=_read(root / files["performance_classes"]),
        scenarios=scen,
        sha256=digest.hexdigest(),
        cell_materials=_read(root / files["cell_materials"]),
    )


def load_model(root: Path | None = None) -> Model:
    """Load (once per process) the LCA model from ``root`` or the shipped ``lca_models/``."""
    return _load((root or models_dir()).resolve())


def known_materials() -> set[str]:
    """Material ids a bundle may meter (those with a sourced factor)."""
    return load_model().materials()


def known_steps() -> tuple[str, ...]:
    """Production step ids plus facility services, in canonical order."""
    m = load_model()
    return m.production_steps + m.facility_services


def gas_factors(model: Model) -> dict[str, float]:
    """Natural-gas per kWh of fuel: combustion CO2/CH4/N2O in kg, upstream in kg CO2e."""
    comb = model.background["heat"]["natural_gas"]["combustion"]
    return {
        "co2": comb["co2_kg_per_tj"]["value"] / KWH_PER_TJ,
        "co2_low": comb["co2_kg_per_tj"]["low"] / KWH_PER_TJ,
        "co2_high": comb["co2_kg_per_tj"]["high"] / KWH_PER_TJ,
        "ch4": comb["ch4_kg_per_tj"]["value"] / KWH_PER_TJ,
        "n2o": comb["n2o_kg_per_tj"]["value"] / KWH_PER_TJ,
        "upstream": model.background["heat"]["natural_gas"]["upstream"]["g_co2e_per_kwh"] / 1000,
    }
