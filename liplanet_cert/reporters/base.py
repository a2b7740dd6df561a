"""The reporter interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable

from ..models import Result


class Reporter(ABC):
    """Turns results into one output format.  Reporters only read results."""

    name: str = ""
    suffix: str = ".txt"

    @abstractmethod
    def render(self, result: Result) -> str:
        """The report for one assessed bundle."""

    def render_many(self, results: Iterable[Result]) -> str:
        """The report for several bundles (batch); by default the single reports one after another."""
        return "".join(self.render(r) for r in results)
