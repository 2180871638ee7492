"""With no Redis configured: the embedded Redis, the offline demo, and no orphan redis-server."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, wait_until


def redis_servers_for(state_dir: Path) -> list[int]:
    """PIDs of redis-server processes whose socket is in `state_dir`."""
    out = subprocess.run(["pgrep", "-af", "redis-server"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if str(state_dir) in line]


def test_demo_prints_the_lavrov_alert_and_remembers(tmp_path, procs):
    env = {"NEWSWATCH_STATE_DIR": str(tmp_path / "state")}
    demo = str(ROOT / "config" / "demo.yaml")
    first = procs("run", "--once", "-c", demo, env=env)
    assert first.proc.wait(120) == 0, first.stderr()
    lines = [json.loads(line) for line in first.stdout().splitlines()]
    assert len(lines) == 1, first.stdout()
    alert = lines[0]
    assert alert["rule"] == "lavrov-in-sahel-capital" and "Lavrov" in alert["title"] and "Bamako" in alert["title"]
    assert {e["matched"] for e in alert["evidence"]} >= {"Lavrov", "Bamako"}
    assert redis_servers_for(tmp_path / "state") == []
    assert (tmp_path / "state" / "newswatch.aof").exists()
    # state survived the embedded Redis's restart: a second run sends nothing
    second = procs("run", "--once", "-c", demo, env=env, name="second")
    assert second.proc.wait(120) == 0, second.stderr()
    assert second.stdout().strip() == ""
    assert "poll_not_modified source_id=world-demo" in second.stderr()  # its cursor survived too
    assert redis_servers_for(tmp_path / "state") == []


def test_sigterm_leaves_no_redis_server(tmp_path, procs):
    state = tmp_path / "state"
    run = procs("run", "-c", str(ROOT / "config" / "demo.yaml"), env={"NEWSWATCH_STATE_DIR": str(state)})
    wait_until(lambda: "alert_created" in run.stderr() or "delivery_sent" in run.stderr(), 60,
               "the daemon's first poll", procs=[run])
    assert len(redis_servers_for(state)) == 1
    assert run.terminate(60) == 0
    assert redis_servers_for(state) == []
    assert not (state / "redis.sock").exists()


def test_sigint_and_sigkill_leave_no_redis_server(tmp_path, procs):
    state = tmp_path / "state"
    env = {"NEWSWATCH_STATE_DIR": str(state)}
    run = procs("run", "-c", str(ROOT / "config" / "demo.yaml"), env=env)
    wait_until(lambda: redis_servers_for(state), 60, "the embedded redis", procs=[run])
    run.proc.send_signal(signal.SIGINT)  # Ctrl-C
    assert run.proc.wait(60) == 0
    assert redis_servers_for(state) == []
    # even a SIGKILLed newswatch takes its redis-server and worker with it (PR_SET_PDEATHSIG)
    killed = procs("run", "-c", str(ROOT / "config" / "demo.yaml"), env=env, name="killed")
    wait_until(lambda: "worker_started" in killed.stderr() and redis_servers_for(state), 60, "start", procs=[killed])
    killed.proc.send_signal(signal.SIGKILL)
    killed.proc.wait(10)
    wait_until(lambda: not redis_servers_for(state), 15, "redis-server to follow its parent")
    out = subprocess.run(["pgrep", "-af", "workers.cli worker"], capture_output=True, text=True).stdout
    wait_until(lambda: str(killed.pid) not in out and not any(
        str(state) in line for line in subprocess.run(["pgrep", "-af", "workers.cli worker"], capture_output=True,
                                                      text=True).stdout.splitlines()), 15, "the worker to exit")


def _read_only_run(state: Path, config: str) -> subprocess.CompletedProcess:
    """`newswatch run --once` in a mount namespace where `state` is a read-only bind mount (we run as root,
    whom file modes do not stop; a read-only mount does). Skips where namespaces are not allowed."""
    state.mkdir(parents=True)
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", f"mount --bind {state} {state} && "
                            f"mount -o remount,ro,bind {state} && ! touch {state}/probe"], capture_output=True)
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip(f"no read-only bind mount here: {probe.stderr.decode()[:200]}")
    script = (f"mount --bind {state} {state} && mount -o remount,ro,bind {state} && "
              f"exec {sys.executable} -m workers.cli run --once -c {config}")
    return subprocess.run(["unshare", "--mount", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NEWSWATCH_STATE_DIR": str(state)})


def _under_a_file(state: Path, config: str) -> subprocess.CompletedProcess:
    state.parent.mkdir(parents=True)
    state.parent.joinpath("not-a-dir").write_text("a file")
    bad = state.parent / "not-a-dir" / "state"
    return subprocess.run([sys.executable, "-m", "workers.cli", "run", "--once", "-c", config], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NEWSWATCH_STATE_DIR": str(bad)})


@pytest.fixture
def short_tmp():
    """A folder with a short path: a state_dir's sockets must fit in 100 characters, and pytest's own
    temporary folders are long under xdist (…/pytest-N/popen-gwN/test_…), so the path-length check would
    answer first."""
    folder = Path(tempfile.mkdtemp(prefix="nw-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("make", [_read_only_run, _under_a_file])
def test_an_unwritable_state_dir_is_one_clear_line_and_exit_2(short_tmp, make):
    tmp_path = short_tmp
    done = make(tmp_path / "parent" / "state", str(ROOT / "config" / "demo.yaml"))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("newswatch:")]
    assert "state_dir" in line and "writable" in line and str(tmp_path) in line
