"""``_base.wait_process``: how the solver layer waits for CBC's and HiGHS's processes.

It replaces ``Popen.wait(timeout)``, which polls (up to 50 ms between looks);
these tests pin what it must keep of ``Popen.wait``: the exit code, the
``TimeoutExpired`` at the timeout with the process left running, a process
already waited for, and the same answers where there is no pidfd.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from portfolio_opt._solvers._base import wait_process

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def _exit_with(code: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"import sys; sys.exit({code})"])


@pytest.fixture(params=["pidfd", "popen"])
def how(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways: with ``os.pidfd_open`` (where this system has it) and without (``Popen.wait``)."""
    if request.param == "popen":
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    elif not hasattr(os, "pidfd_open"):
        pytest.skip("no os.pidfd_open here")
    return str(request.param)


def test_exit_code_of_an_ended_process(how: str) -> None:
    proc = _exit_with(3)
    assert wait_process(proc, 30.0) == 3
    assert proc.returncode == 3


def test_timeout_leaves_the_process_running(how: str) -> None:
    proc = subprocess.Popen(SLEEP)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait_process(proc, 0.1)
        assert proc.poll() is None  # still running: the caller decides (CBC is interrupted, then killed)
    finally:
        proc.kill()
    assert wait_process(proc, 30.0) != 0  # killed: waited for at once, not at the timeout


def test_a_process_waited_for_already(how: str) -> None:
    proc = _exit_with(0)
    proc.wait()
    assert wait_process(proc, 0.01) == 0
    assert wait_process(proc, None) == 0


def test_zero_timeout_on_a_running_process(how: str) -> None:
    proc = subprocess.Popen(SLEEP)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait_process(proc, 0)
    finally:
        proc.kill()
        proc.wait()


def test_timeouts_beyond_what_poll_takes(how: str) -> None:
    """``select.poll`` takes at most 2**31 - 1 ms (24.8 days): a longer timeout is waited for in steps."""
    proc = _exit_with(5)
    assert wait_process(proc, 1e12) == 5
    proc = _exit_with(6)
    assert wait_process(proc, float("inf")) == 6
