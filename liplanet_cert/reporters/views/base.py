"""The view interface: how a core object other than a ``Result`` is shown."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class View(ABC, Generic[T]):
    """Shows one kind of core object.  Views only read the object; every piece of text that came
    from a bundle, a pack or a stored result goes through ``infra.textsafe`` / ``SafeTable``."""

    @abstractmethod
    def show(self, item: T, console: Any) -> None:
        """The terminal form, printed on ``console`` (a rich Console)."""

    def to_json(self, item: T) -> str:
        """The JSON form: the object's ``to_dict()``, deterministic."""
        from liplanet_cert.reporters.json_ import dumps

        return dumps(item.to_dict())  # type: ignore[attr-defined]
