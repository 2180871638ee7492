"""The tests stand alone: a clone with nothing beside it collects every test (issue #12).

The clone test clones this repository's *committed* HEAD (uncommitted and untracked changes are not
in a clone, so they are not checked) into an empty temporary folder, and runs
`python3 -m pytest --collect-only -q` there. A test that reads a file outside the repository
(the shared data folder beside the development checkout, say) or imports a package that
`pip install '.[test]'` does not install fails to collect or fails at run time; the static checks
below catch both before that: no test, benchmark or tool joins a path that leaves the repository,
and every package the tests import is declared in `dependencies` or the `test` extra.
"""
from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED_DIRS = ("tests", "bench", "tools")
LOCAL_PACKAGES = {"newswatch", "alerts", "workers", "web", "tests"}
_PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]((?:\.parent)*)")
_SUMMARY = re.compile(r"^(\d+) tests? collected.*$", re.M)
# The shared data folder beside the development checkout, and that machine's absolute paths
# (spelled in two parts so that this file does not name them).
OUTSIDE = ("shared" + "/data", "/wo" + "rk/")


def python_files() -> list[Path]:
    return sorted(p for d in CHECKED_DIRS for p in (ROOT / d).rglob("*.py") if "__pycache__" not in p.parts)


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120).stdout


def collect(where: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`python3 -m pytest --collect-only -q` in `where`: the result and the collected node ids."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                            cwd=where, env=env, capture_output=True, text=True, timeout=240)
    ids = [line for line in result.stdout.splitlines() if line.startswith("tests/") and "::" in line]
    return result, ids


def test_no_python_file_reads_outside_the_repository():
    """No `".."` path part, no `shared/data` path, and every `Path(__file__).resolve().parents[N]`
    (with any `.parent` after it) is the repository root or inside it."""
    offenders = []
    for path in python_files():
        if path == Path(__file__).resolve():
            continue   # this file reads nothing; its checks spell the forbidden parts
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        offenders += [f"{rel}: names {part}" for part in OUTSIDE if part in text]
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    (node.value == ".." or node.value.startswith("../") or "/../" in node.value):
                offenders.append(f"{rel}:{node.lineno}: path part {node.value!r}")
        for m in _PARENTS.finditer(text):
            target = path.parents[int(m.group(1))]
            for _ in range(m.group(2).count(".parent")):
                target = target.parent
            if target != ROOT and ROOT not in target.parents:
                offenders.append(f"{rel}: {m.group(0)} is {target}, outside the repository")
    assert offenders == []


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        names.add(normalize(re.match(r"[A-Za-z0-9_.-]+", spec).group(0)))
    return names


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_the_tests_import_is_declared_for_pip_install_test():
    """`pip install '.[test]'` installs every third-party package any file under tests/ imports
    (top-level or inside a function): it is in `dependencies` or in the `test` extra itself."""
    imported: dict[str, set[str]] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    third_party = {name: files for name, files in imported.items()
                   if name not in sys.stdlib_module_names and name not in LOCAL_PACKAGES and name != "__future__"}
    assert {"pytest", "yaml", "redis", "bs4", "telethon"} <= set(third_party)   # the scan sees imports
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    undeclared = {name: sorted(files) for name, files in third_party.items()
                  if not any(normalize(dist) in declared for dist in providers.get(name, []))}
    assert undeclared == {}


def test_a_clone_with_nothing_beside_it_collects_every_test(tmp_path):
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout (or no git): there is no committed state to clone")
    head = git("rev-parse", "HEAD").strip()
    clone = tmp_path / "newswatch"
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone), cwd=tmp_path)
    git("fetch", "--quiet", str(ROOT), "HEAD", cwd=clone)           # HEAD even when detached (CI)
    git("checkout", "--quiet", "--detach", "FETCH_HEAD", cwd=clone)
    assert git("rev-parse", "HEAD", cwd=clone).strip() == head
    assert list(tmp_path.iterdir()) == [clone]                       # nothing beside the clone

    result, ids = collect(clone)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    summary = _SUMMARY.search(result.stdout)
    assert summary and "error" not in summary.group(0), out[-4000:]
    assert not [line for line in out.splitlines() if line.startswith(("ERROR ", "E   "))], out[-4000:]
    assert int(summary.group(1)) == len(ids) > 1000

    dirty = git("status", "--porcelain", "--untracked-files=all", "--", "tests", "pyproject.toml").strip()
    if not dirty:   # the checkout is its committed state: the clone collects exactly what it collects
        here_result, here_ids = collect(ROOT)
        assert here_result.returncode == 0, (here_result.stdout + here_result.stderr)[-4000:]
        assert sorted(ids) == sorted(here_ids)
