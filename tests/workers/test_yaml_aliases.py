"""YAML anchors and aliases are refused in config and rule files, so a 706-byte "billion laughs"
(tests/fixtures/config/bomb/billion-laughs.yaml: 9^9 strings once expanded; it drove `newswatch check`
past 12 GB) is an error naming file and line, in bounded time and memory, and hot reload keeps the rules
in force. Each run is capped (RLIMIT_AS) so that a regression fails instead of eating the machine."""
import logging
import resource
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from alerts.rules.matcher import RuleMatcher
from newswatch.config.yamlconf import ConfigError, load_yaml
from workers.registry import load_config
from workers.rules_reload import LiveRules

ROOT = Path(__file__).resolve().parents[2]
BOMB = ROOT / "tests" / "fixtures" / "config" / "bomb" / "billion-laughs.yaml"
GIB = 1 << 30
MESSAGE = "YAML anchors and aliases are not allowed in config and rule files: write the value out in full"


def _cap_child() -> None:   # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


@contextmanager
def address_space_cap(extra: int):
    """This process may map at most `extra` bytes more while inside (a MemoryError instead of 12 GB)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    status = Path("/proc/self/status").read_text()
    used = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmSize:"))) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (used + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def write_config(tmp_path: Path, rules_file: str = "rules.yaml") -> Path:
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"channels": [{"id": "console", "type": "stdout"}], "rules": [rules_file],
                                    "classify": {"enabled": False}}))
    return path


def test_the_bomb_is_706_bytes_of_nested_aliases():
    assert BOMB.stat().st_size == 706 and BOMB.read_text().count("*") == 73


def test_check_refuses_the_bomb_quickly_within_one_gib(tmp_path):
    shutil.copy(BOMB, tmp_path / "rules.yaml")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "workers.cli", "check", "-c", str(write_config(tmp_path))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=_cap_child)
    assert time.monotonic() - started < 10
    assert proc.returncode == 1 and proc.stdout == "", proc.stderr[-2000:]
    assert proc.stderr.splitlines() == ["newswatch: invalid configuration (1 error):",
                                        f"  {tmp_path / 'rules.yaml'}:5: &a: {MESSAGE} (an alias repeats a whole "
                                        "subtree, so a few hundred bytes can expand to gigabytes)"]


def test_an_alias_in_the_config_file_names_its_line(tmp_path):
    (tmp_path / "newswatch.yaml").write_text("channels:\n  - {id: console, type: stdout}\nrules: []\n"
                                             "sources: []\nhttp: {timeout: 5s}\nworker: *w\n")
    with pytest.raises(ConfigError) as err:
        load_yaml(tmp_path / "newswatch.yaml")
    [issue] = err.value.issues
    assert (issue.line, issue.message.split(":")[0]) == (6, "*w") and MESSAGE in issue.message


def test_stars_and_ampersands_in_values_are_no_alias(tmp_path):
    (tmp_path / "r.yaml").write_text("- {id: r, title: 'R&D *new*', when: {regex: 'a*b&c'}, notify: [x & y]}\n")
    data, _ = load_yaml(tmp_path / "r.yaml")
    assert data[0]["title"] == "R&D *new*" and data[0]["notify"] == ["x & y"]


def test_hot_reload_refuses_the_bomb_and_keeps_the_rules_in_force(tmp_path, caplog):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([{"id": "a", "title": "a", "when": {"keywords": ["Bamako"]},
                                                          "notify": ["console"]}]))
    rules = LiveRules(load_config(write_config(tmp_path)), lambda r: RuleMatcher(r), check_every=60)
    good = rules.current
    shutil.copy(BOMB, tmp_path / "rules.yaml")
    with caplog.at_level(logging.INFO, logger="workers.rules"), address_space_cap(GIB):
        assert not rules.check(force=True)
    assert rules.current is good and [r.id for r in rules.current.rules] == ["a"]
    (failed,) = [r.getMessage() for r in caplog.records]
    assert failed.startswith("rules_reload_failed") and "kept_rules=1" in failed
    assert f"rules.yaml:5: &a: {MESSAGE}" in failed
