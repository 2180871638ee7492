"""What `newswatch run` does with each child process it stops (the worker, the desk)."""
from __future__ import annotations

import signal
import subprocess


def stop_child(proc: subprocess.Popen | None, timeout: float) -> bool:
    """SIGTERM, then SIGKILL after `timeout` s. True when it had to be killed; a child already gone is left."""
    if proc is None or proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True
