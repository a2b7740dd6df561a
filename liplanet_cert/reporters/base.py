"""The reporter interface, and the two ways formats build on it: a report over one result that is
the batch report of that one entry (CSV, JUnit, SARIF), and a document per item (JSON, JSON Lines)."""

from __future__ import annotations

import io
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, TextIO

from liplanet_cert.assessment.result import Result, Unassessed

Item = Result | Unassessed


class Reporter(ABC):
    """Turns results into one output format.  Reporters only read results."""

    name: str = ""
    suffix: str = ".txt"
    terminal: bool = False  # stdout gets a view printed on the console, not the text of render()

    @abstractmethod
    def render(self, result: Result) -> str:
        """The report for one assessed bundle."""

    def print_result(self, result: Result) -> None:
        """Put the report for one result on stdout (a terminal format prints its console view)."""
        sys.stdout.write(self.render(result))

    def print_unassessed(self, item: Unassessed) -> None:
        """Put the report for one refused (or only validated) bundle on stdout; a terminal format
        prints nothing here: the command names the problems (or the valid bundle) itself."""
        sys.stdout.write(self.render_unassessed(item))

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """Stream the report over a batch into ``out``: results and the bundles that could not be
        assessed, one at a time, so memory does not grow with the number of bundles.

        The default writes the single reports one after another (and nothing for an
        :class:`~liplanet_cert.assessment.result.Unassessed` bundle); formats override it.
        """
        for item in items:
            if isinstance(item, Result):
                out.write(self.render(item))

    def render_unassessed(self, item: Unassessed) -> str:
        """The report for one bundle that was refused (or only validated) instead of assessed; the
        default is the batch form with that one entry."""
        return self.render_many([item])

    def render_many(self, items: Iterable[Item]) -> str:
        """:meth:`write_many` into a string."""
        buf = io.StringIO()
        self.write_many(items, buf)
        return buf.getvalue()


class BatchFormReporter(Reporter):
    """A format whose report for one result is its batch report with that one entry."""

    def render(self, result: Result) -> str:
        return self.render_many([result])

    @abstractmethod
    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """The batch report; :meth:`render` is this over one result."""


class DocumentReporter(Reporter):
    """A format whose report for one item is that item's published document (``to_dict()``)
    serialised by :meth:`dump`."""

    @staticmethod
    @abstractmethod
    def dump(data: Any) -> str:
        """The text of one document."""

    def render(self, result: Result) -> str:
        return self.dump(result.to_dict())

    def render_unassessed(self, item: Unassessed) -> str:
        return self.dump(item.to_dict())
