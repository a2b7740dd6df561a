"""Plain helpers the tests share (no fixtures: those are in conftest.py): the repository's paths,
the approved example's steps, builders of production logs and end-of-line files, an editable copy of
an example bundle, and a batch held midway by the test gate.  Importable as ``helpers`` from any
test (``pythonpath = ["tests"]`` in pyproject.toml)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from liplanet_cert.catalogue import line_steps

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "bundles"
PACK_2026 = "liplanet-2026@2.0.0"  # the pack without footprint criteria: assessments need no Brightway

# Every Figure 7 step of a lithium-ion line, in order (the approved example declares all of them).
LIB_STEPS = tuple(line_steps())


GATE = Path(__file__).resolve().parent / "gate"  # sitecustomize.py: holds assessments after the first results


def start_gated_batch(
    cmd: list[str], jsonl: Path, after: int, timeout: float = 120
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` (a ``batch``) so that every assessment is held once ``jsonl`` has ``after``
    lines, and return once one is held: a signal sent now always stops the batch midway, however
    fast or loaded the machine (tests/gate/sitecustomize.py).  Ctrl-C keeps its default action in the
    child even where the test runner's worker ignores SIGINT."""
    import signal
    import subprocess
    import time

    env = dict(
        os.environ,
        LIPLANET_TEST_GATE=f"{jsonl}:{after}",
        PYTHONPATH=os.pathsep.join(p for p in (str(GATE), os.environ.get("PYTHONPATH", "")) if p),
    )
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    held = Path(f"{jsonl}.held")
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and not held.exists():
        time.sleep(0.005)
    held.unlink(missing_ok=True)
    if proc.poll() is not None:
        raise AssertionError(
            f"the batch ended before it was held (exit {proc.returncode}): {proc.stderr.read()[-500:]!r}"
        )
    return proc


class BundleDir:
    """A copy of an example bundle under ``tmp_path`` that a test may edit."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __str__(self) -> str:
        return str(self.path)

    def read(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> BundleDir:
        """Write file ``name``; a new production log drops the example's quality log, whose lots are
        those of the example's production log (a test that needs one writes it after)."""
        (self.path / name).write_text(text, encoding="utf-8")
        if name == "production_log.csv":
            (self.path / "quality_log.csv").unlink(missing_ok=True)
        return self

    def replace(self, name: str, old: str, new: str, count: int = 1) -> BundleDir:
        """Replace ``old`` (which must occur) in file ``name``; ``count=0`` replaces all."""
        text = self.read(name)
        assert old in text, f"{old!r} not in {name}"
        return self.write(name, text.replace(old, new) if count == 0 else text.replace(old, new, count))

    def set_yaml(self, key: str, value: str) -> BundleDir:
        """Set a scalar ``key: value`` line of declaration.yaml (first occurrence, any indentation)."""
        text = self.read("declaration.yaml")
        new, n = re.subn(
            rf"(?m)^(\s*{re.escape(key)}:)[^\n#]*", lambda m: f"{m.group(1)} {value} ", text, count=1
        )
        assert n == 1, f"no {key}: in declaration.yaml"
        return self.write("declaration.yaml", new)

    def remove(self, name: str) -> BundleDir:
        (self.path / name).unlink()
        return self


# A small line: three production days, lot L02's formation on the third; only L01 and L02 coated.
# (date, step, lot, units_in, good_out, scrap[, electrode_length_m]) and (lot, capacity Ah, result)
SMALL_ROWS = [
    ("2026-09-01", "coating_and_drying", "L01", 100, 95, 5, 40),
    ("2026-09-01", "stacking_or_winding", "L01", 95, 90, 5),
    ("2026-09-01", "formation", "L01", 90, 81, 9),
    ("2026-09-02", "coating_and_drying", "L02", 100, 100, 0, 20),
    ("2026-09-02", "stacking_or_winding", "L02", 100, 95, 5),
    ("2026-09-03", "formation", "L02", 95, 95, 0),
]
SMALL_CELLS = [("L01", 5.0, "pass"), ("L01", 5.1, "pass"), ("L01", 4.9, "fail"), ("L02", 5.2, "pass")]


def production_csv(rows: list[tuple]) -> str:
    """A production log from (date, step, lot, units_in, good_out, scrap[, electrode_length_m]) tuples."""
    out = ["date,step,lot_id,units_in,good_out,scrap,electrode_length [m]"]
    for r in rows:
        length = r[6] if len(r) > 6 and r[6] is not None else ""
        out.append(",".join(str(x) for x in r[:6]) + f",{length}")
    return "\n".join(out) + "\n"


def eol_csv(cells: list[tuple[str, float, str]]) -> str:
    """An end-of-line test file from (lot, capacity in Ah, pass|fail) tuples."""
    out = ["cell_id,lot_id,capacity [Ah],result"]
    out += [f"C{i:05d},{lot},{cap},{res}" for i, (lot, cap, res) in enumerate(cells, start=1)]
    return "\n".join(out) + "\n"


def line_log(
    days: int = 1,
    units: int = 1000,
    scrap: dict[str, int] | None = None,
    length_m: float = 100.0,
    steps: tuple[str, ...] = LIB_STEPS,
    start_day: int = 1,
) -> str:
    """One lot per day through every step; ``scrap`` units are lost at the named steps (each day)."""
    scrap = scrap or {}
    rows = []
    for d in range(days):
        n = units
        day = f"2026-09-{start_day + d:02d}"
        for step in steps:
            s = scrap.get(step, 0)
            rows.append(
                (day, step, f"L{d + 1:02d}", n, n - s, s, length_m if step == "coating_and_drying" else None)
            )
            n -= s
    return production_csv(rows)


def squash(text: str) -> str:
    """Collapse whitespace (rich wraps long lines in the terminal)."""
    return " ".join(text.split())
