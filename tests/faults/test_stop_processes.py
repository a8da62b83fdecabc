"""The shared stop sequence for helpers faults start (iperf3, the nfqueue shaper); no lab needed."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

from pytest_netopsbench.faults._ops import signal_matching, stop_processes

_IGNORE_TERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
    "time.sleep(60)"
)


def test_stop_processes_terminates_and_kills_the_stubborn() -> None:
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stubborn = subprocess.Popen([sys.executable, "-c", _IGNORE_TERM], stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout is not None and stubborn.stdout.readline().strip() == "ready"
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    start = time.monotonic()
    stop_processes([polite, stubborn, done], grace=0.5)
    assert polite.returncode == -15  # SIGTERM was enough
    assert stubborn.returncode == -9  # ignored SIGTERM, killed after the grace period
    assert time.monotonic() - start < 5


def test_signal_matching_reaches_only_exact_arguments() -> None:
    tag = f"netopsbench-test-{uuid.uuid4().hex}"
    target = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", tag])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", tag + "-other"])
    try:
        time.sleep(0.2)  # let the interpreters exec so /proc shows their argv
        assert (
            signal_matching(lambda argv: argv[-2:] == [tag.encode(), b""], [target.pid, bystander.pid]) == 1
        )
        assert target.wait(timeout=5) == -15
        assert bystander.poll() is None
    finally:
        stop_processes([target, bystander])
