"""From a loaded bundle and a criteria pack to a typed Result: KPIs, footprint input, metrics, evaluation, waivers."""
