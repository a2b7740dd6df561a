"""liplanet-cert: certify battery-cell pilot lines for the "LiPLANET approved" seal.

The core is importable without the CLI::

    from liplanet_cert import assess
    result = assess("path/to/bundle")
    print(result.verdict)

Heavy dependencies (pandas, Brightway) are imported only on the paths that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liplanet_cert.version import __version__

__all__ = ["__version__", "assess", "load_bundle", "validate"]

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.core import assess, validate
    from liplanet_cert.bundle.load import load_bundle


def __getattr__(name: str) -> Any:
    if name in ("assess", "validate"):  # the functions (the core module is ``assessment``)
        from liplanet_cert.assessment import core as assessment

        return getattr(assessment, name)
    if name == "load_bundle":
        from liplanet_cert.bundle.load import load_bundle

        return load_bundle
    raise AttributeError(name)
