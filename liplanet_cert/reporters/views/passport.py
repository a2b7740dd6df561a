"""View of a battery-passport submodel (``liplanet-cert passport``): the document is JSON (Battery
Pass data model 1.2.0), on the terminal as in a file; what it leaves out is said on stderr
(:meth:`PassportView.notes`): the lifecycle stages not included and a partial footprint, or the
attributes a Performance / MaterialComposition export could not fill."""

from __future__ import annotations

from typing import Any

from liplanet_cert.reporters.views.base import View

EXTENSION = "x-liplanet"  # the documents' extension key (lca.passport / lca.passport_submodels)


def note_lines(item: dict[str, Any]) -> list[str]:
    """The lines :meth:`PassportView.notes` prints for a passport document."""
    ext = item.get(EXTENSION) or {}
    lines = []
    if ext.get("partial"):
        lines.append(
            "PARTIAL carbon footprint: no RawMaterialExtraction stage; batteryCarbonFootprint "
            "understates the battery's footprint and no performance class is assigned"
        )
    included = [s["lifecycleStage"] for s in ext.get("stagesIncluded", [])]
    if included:
        lines.append("stages included (batteryCarbonFootprint is their sum): " + ", ".join(included))
    for s in ext.get("stagesNotIncluded", []):
        lines.append(f"stage not included: {s['lifecycleStage']}: {s['reason']}")
    fu = ext.get("functionalUnit")
    if fu:
        basis = (
            f"override {fu['fullEquivalentCyclesPerYear']:g} cycles/year ({fu['override']['reason']})"
            if fu.get("cyclesPerYearBasis") == "override"
            else f"category {fu['applicationCategory']}: {fu['fullEquivalentCyclesPerYear']:g} cycles/year"
        )
        lines.append(
            f"functional unit: {fu['usableEnergyKwh']:g} kWh ({fu['usableEnergyBasis']}) x {basis} x "
            f"{fu['serviceLifeYears']:g} years (warranty) = {fu['lifetimeEnergyKwh']:g} kWh"
        )
    pc = ext.get("performanceClass")
    if pc and pc.get("assigned"):
        lines.append(f"performance class is provisional ({pc['table']}): {pc['source']}")
    for n in ext.get("notFilled", []):
        lines.append(f"not filled: {n['attribute']}: {n['reason']}")
    return lines


class PassportView(View[dict[str, Any]]):
    """A passport submodel as built by ``assessment.footprint.passport_of``."""

    def show(self, item: dict[str, Any], console: Any) -> None:
        console.file.write(self.to_json(item))

    def notes(self, item: dict[str, Any], console: Any) -> None:
        """What the document leaves out, one line each, on ``console`` (the command's stderr)."""
        from liplanet_cert.infra.textsafe import say

        for line in note_lines(item):
            say(console, "passport: ", line, style="yellow" if "PARTIAL" in line else None)

    def to_json(self, item: dict[str, Any]) -> str:
        from liplanet_cert.reporters.json_ import dumps

        return dumps(item)
