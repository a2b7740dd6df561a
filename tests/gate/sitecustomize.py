"""Test hook, loaded by the batch processes of tests/system/test_batch_interrupt.py through PYTHONPATH
(never by users): once ``results.jsonl`` holds N lines, every further assessment waits, so a batch
cannot finish before the test's Ctrl-C arrives however fast or loaded the machine is.

``LIPLANET_TEST_GATE=<path of results.jsonl>:<N>`` turns it on; the wait ends only with the process
(SIGINT in the coordinating process, the parent's terminate() in a worker).  A file
``<path>.held`` appears when an assessment is first held: the test presses Ctrl-C only then.

``LIPLANET_TEST_HOLD=<text>`` holds, from the start, every assessment of a bundle whose path contains
``<text>`` (a bundle that never finishes: tests/system/test_batch_robust.py's time limit);
``LIPLANET_TEST_HOLD=<text>:ignore-alarm`` also ignores SIGALRM while holding, like code stuck in C
that the time limit's alarm cannot reach."""

from __future__ import annotations

import os
import sys
import time

_GATE = os.environ.get("LIPLANET_TEST_GATE")
_HOLD = os.environ.get("LIPLANET_TEST_HOLD")
_TARGET = "liplanet_cert.assessment.core"


def _lines(path: str) -> int:
    try:
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    except OSError:
        return 0


class _GateHook:
    """Wraps ``liplanet_cert.assessment.core.assess`` as the module is first imported."""

    def __init__(self, path: str | None, n: int, hold: str | None = None) -> None:
        self.path, self.n, self.hold = path, n, hold

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001
        if name != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        exec_module = spec.loader.exec_module
        gate_path, n, hold = self.path, self.n, self.hold

        def exec_and_gate(module):  # noqa: ANN001
            exec_module(module)
            real = module.assess

            def gated(*args, **kwargs):
                if hold is not None:
                    text, _, mode = hold.partition(":")
                    if text in str(args[0] if args else kwargs.get("path", "")):
                        if mode == "ignore-alarm":
                            import signal

                            signal.signal(signal.SIGALRM, signal.SIG_IGN)
                        while True:
                            time.sleep(0.02)
                if gate_path is not None and _lines(gate_path) >= n:
                    # tell the test that an assessment is held here (not inside a library that might
                    # swallow the KeyboardInterrupt), then hold it
                    open(gate_path + ".held", "a").close()
                    while True:
                        time.sleep(0.02)
                return real(*args, **kwargs)

            module.assess = gated

        spec.loader.exec_module = exec_and_gate
        return spec


if _GATE or _HOLD:
    _path, _, _n = (_GATE or "").rpartition(":")
    sys.meta_path.insert(0, _GateHook(_path if _GATE else None, int(_n) if _GATE else 0, _HOLD))
