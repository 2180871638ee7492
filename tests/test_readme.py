"""The README's two set-up commands: the first works in a fresh venv; the second is what CI runs."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_second():
    install_and_demo, tests = readme_commands()
    assert install_and_demo == "pip install . && newswatch run --once -c config/demo.yaml"
    test_command = tests.split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(test_command)}$", ci, re.M), "the CI script must run README's test command"
    assert re.search(r"pip install .*'\.\[test(,\w+)*\]'", ci), "the CI script must install the test extra"


def test_first_command_in_a_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv),
           "NEWSWATCH_STATE_DIR": str(tmp_path / "state"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    command = readme_commands()[0]
    proc = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (venv / "bin" / "newswatch").exists()
    alerts = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [a["rule"] for a in alerts] == ["lavrov-in-sahel-capital"]
    assert "Lavrov" in alerts[0]["title"]
