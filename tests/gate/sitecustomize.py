"""Test hook, loaded by the batch processes of tests/test_batch_interrupt.py through PYTHONPATH
(never by users): once ``results.jsonl`` holds N lines, every further assessment waits, so a batch
cannot finish before the test's Ctrl-C arrives however fast or loaded the machine is.

``LIPLANET_TEST_GATE=<path of results.jsonl>:<N>`` turns it on; the wait ends only with the process
(SIGINT in the coordinating process, the parent's terminate() in a worker).  A file
``<path>.held`` appears when an assessment is first held: the test presses Ctrl-C only then."""

from __future__ import annotations

import os
import sys
import time

_GATE = os.environ.get("LIPLANET_TEST_GATE")
_TARGET = "liplanet_cert.assessment"


def _lines(path: str) -> int:
    try:
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    except OSError:
        return 0


class _GateHook:
    """Wraps ``liplanet_cert.assessment.assess`` as the module is first imported."""

    def __init__(self, path: str, n: int) -> None:
        self.path, self.n = path, n

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
        gate_path, n = self.path, self.n

        def exec_and_gate(module):  # noqa: ANN001
            exec_module(module)
            real = module.assess

            def gated(*args, **kwargs):
                if _lines(gate_path) >= n:
                    # tell the test that an assessment is held here (not inside a library that might
                    # swallow the KeyboardInterrupt), then hold it
                    open(gate_path + ".held", "a").close()
                    while True:
                        time.sleep(0.02)
                return real(*args, **kwargs)

            module.assess = gated

        spec.loader.exec_module = exec_and_gate
        return spec


if _GATE:
    _path, _, _n = _GATE.rpartition(":")
    sys.meta_path.insert(0, _GateHook(_path, int(_n)))
