"""The import contract of pyproject.toml ([tool.importlinter]): workers (and web) -> alerts -> newswatch, never
back, and workers and web never import each other. `lint-imports`, the real command, keeps it on this checkout,
and breaks it on a copy where newswatch imports workers, and on one where web imports workers (so a contract
that could never fail would not pass here)."""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("newswatch", "alerts", "workers", "web")
CONTRACT = "workers -> alerts -> newswatch, never back"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """`lint-imports` from `cwd`, with the contracts of the pyproject.toml there and its packages first on
    the path. The command installed beside this interpreter (the `dev` extra), else the one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "lint-imports"
    command = str(beside) if beside.is_file() else shutil.which("lint-imports")
    assert command, f"lint-imports is not installed: pip install '.[dev]' (python: {sys.executable})"
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([command, "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_packages_keep_the_import_contract():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{CONTRACT} KEPT" in done.stdout and "1 kept, 0 broken" in done.stdout


def copy_checkout(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")


def test_newswatch_importing_workers_breaks_it(tmp_path):
    copy_checkout(tmp_path)
    with open(tmp_path / "newswatch" / "text.py", "a", encoding="utf-8") as module:
        module.write("\nimport workers  # the core must never know the workers\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{CONTRACT} BROKEN" in done.stdout and "0 kept, 1 broken" in done.stdout
    assert "newswatch is not allowed to import workers" in done.stdout
    assert "- newswatch.text -> workers" in done.stdout


def test_web_importing_workers_breaks_it(tmp_path):
    """web and workers are independent siblings: the desk reads through alerts and newswatch only."""
    copy_checkout(tmp_path)
    with open(tmp_path / "web" / "views.py", "a", encoding="utf-8") as module:
        module.write("\nimport workers.admin_cli  # the desk must not reach into the workers\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{CONTRACT} BROKEN" in done.stdout
    assert "web.views -> workers.admin_cli" in done.stdout
