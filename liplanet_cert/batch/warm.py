"""Process-wide warm-up for ``batch`` workers.

The batch's fork server imports this module once, before it forks any worker, so every worker
starts with pandas, pint's unit registry, the compiled JSON Schemas and the LCA model already in
memory (inherited copy-on-write) instead of building them itself.  Importing it never fails: a
problem here only means a worker warms up on its first bundle instead.
"""

from __future__ import annotations


def warm() -> None:
    import pandas  # noqa: F401

    from liplanet_cert import catalogue
    from liplanet_cert.assessment import (
        kpis,  # noqa: F401
    )
    from liplanet_cert.infra.resources import load_schema
    from liplanet_cert.units import registry

    registry()
    load_schema("declaration")
    catalogue.production_steps()
    try:
        from liplanet_cert.lca import known_materials, load_model

        load_model()
        known_materials()
    except Exception:  # the bundle that needs the model reports the problem
        pass


try:
    warm()
except Exception:  # pragma: no cover - see module docstring
    pass
