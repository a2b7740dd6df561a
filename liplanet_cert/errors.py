"""One error hierarchy for everything a user can get wrong.

Every error carries one or more :class:`Problem` s, each naming the file, the location inside it
(a JSON pointer for YAML/JSON documents, ``row N, column C`` for CSV files), what was expected and
what was found.  The CLI turns any :class:`LiplanetError` into a clear message and exit code 2;
anything else reaching the CLI is an internal error (exit code 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

QUOTED_CHARS = 60  # characters of an offending value quoted in a problem (then "… (N characters)")
# Every field of a Problem is bounded where the Problem is made, whatever its source: an error can
# never echo a 5 MB cell or a 100 KB unit (rendering those took tens of seconds), only a prefix.
FIELD_CHARS = {"file": 1000, "location": 200, "message": 1000, "expected": 1000, "found": 300}


def clip(text: str, limit: int = QUOTED_CHARS) -> str:
    """``text``, or its first ``limit`` characters followed by "… (N characters)"."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def quote(text: str, limit: int = QUOTED_CHARS) -> str:
    """``repr(text)`` of at most its first ``limit`` characters, then "… (N characters)" if cut."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located precisely.  Each field is bounded
    (:data:`FIELD_CHARS`): a longer text keeps its start and says how long it was."""

    file: str
    location: str = ""
    message: str = ""
    expected: str = ""
    found: str = ""

    def __post_init__(self) -> None:
        for name, limit in FIELD_CHARS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                value = "" if value is None else str(value)
                object.__setattr__(self, name, value)
            if len(value) > limit:
                object.__setattr__(self, name, clip(value, limit))

    def __str__(self) -> str:
        where = self.file + (f" {self.location}" if self.location else "")
        text = f"{where}: {self.message}" if self.message else where
        details = []
        if self.expected:
            details.append(f"expected {self.expected}")
        if self.found:
            details.append(f"found {self.found}")
        if details:
            text += " (" + "; ".join(details) + ")"
        return text

    def to_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "location": self.location,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


class LiplanetError(Exception):
    """Base class of every error caused by input (exit code 2)."""

    exit_code = 2
    kind = "input"
    title = "invalid input"  # the heading of the error message

    def __init__(self, problems: list[Problem] | Problem | str, *, file: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(file=file or "-", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)


class BundleError(LiplanetError):
    """The submission bundle is missing, malformed, or inconsistent."""

    kind = "bundle"
    title = "invalid bundle"  # the heading of the error message


class CriteriaError(LiplanetError):
    """A criteria pack cannot be found, parsed or validated."""

    kind = "criteria"
    title = "criteria problem"  # the heading of the error message


class LCAError(LiplanetError):
    """An LCA model, scenario or footprint input is unusable."""

    kind = "lca"
    title = "footprint problem"  # the heading of the error message


class WaiverError(LiplanetError):
    """A waiver file is malformed (the run stops before anything is assessed)."""

    kind = "waiver"
    title = "invalid waiver file"  # the heading of the error message


class OutputError(LiplanetError, OSError):
    """An output file or directory cannot be written (permissions, missing drive, disk full).
    Still an OSError to callers that handle those; the CLI reports it with the path, exit 2."""

    kind = "output"
    title = "cannot write an output"  # the heading of the error message

    @classmethod
    def cannot_write(cls, path: object, exc: OSError, what: str = "file") -> OutputError:
        return cls(
            Problem(
                str(path),
                message=f"cannot write the {what}: {exc.strerror or exc}",
                expected="a writable location (check the path, permissions and free space)",
            )
        )


class IntegrityError(LiplanetError):
    """A result, key or signature file cannot be read (exit 2) — not a mismatch (``verify``'s
    exit 1) — for ``verify`` and for signing alike."""

    kind = "integrity"
    title = "unreadable result, key or signature"


class UsageError(LiplanetError):
    """The command line asks for something that cannot be done."""

    kind = "usage"
    title = "usage error"  # the heading of the error message


@dataclass
class ProblemCollector:
    """Collects problems so that validation can report all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self, file: str, location: str = "", message: str = "", expected: str = "", found: str = ""
    ) -> None:
        self.problems.append(Problem(file, location, message, expected, found))

    def raise_if_any(self, cls: type[LiplanetError] = BundleError) -> None:
        if self.problems:
            raise cls(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)
