"""View of a battery passport's carbon-footprint section (``liplanet-cert passport``): the
document is JSON (Battery Pass data model 1.2.0), on the terminal as in a file."""

from __future__ import annotations

from typing import Any

from liplanet_cert.reporters.views.base import View


class PassportView(View[dict[str, Any]]):
    """The passport section as built by ``assessment.footprint.passport_of``."""

    def show(self, item: dict[str, Any], console: Any) -> None:
        console.file.write(self.to_json(item))

    def to_json(self, item: dict[str, Any]) -> str:
        from liplanet_cert.reporters.json_ import dumps

        return dumps(item)
