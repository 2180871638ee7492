"""Hostile shapes of a YAML config or rule file get a ConfigError with a line, in bounded time
(newswatch/config/yamlshape.py). What the fuzzer (tests/test_fuzz_parsers.py) found:

- `[[[[...` 100,000 deep crashed `newswatch check` with SIGSEGV (libyaml's composer recursing in C);
- `&a [*a]` raised RecursionError, a billion laughs took time and memory exponential in its size;
- a control character raised yaml's ReaderError, a `? [a, b]` key a TypeError, and a value that looks like
  a date but is none (`2026-02-30`, `!!timestamp x`) or `!!int abc` ValueError / AttributeError: none a ConfigError.
A large generated file that reuses values through aliases still loads.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from newswatch.config.yamlconf import ConfigError, load_yaml

ROOT = Path(__file__).resolve().parents[3]
LAUGHS = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))


def config_with_rules(folder: Path, rules_text: str) -> Path:
    (folder / "rules.yaml").write_text(rules_text, encoding="utf-8")
    (folder / "newswatch.yaml").write_text(yaml.safe_dump({"channels": [{"id": "out", "type": "stdout"}],
                                                           "rules": ["rules.yaml"]}))
    return folder / "newswatch.yaml"


def check(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workers.cli", "check", "-c", str(config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_check_reports_deep_nesting_instead_of_crashing(tmp_path):
    config = config_with_rules(tmp_path, "- id: deep\n  when: " + "[" * 100_000 + "]" * 100_000 + "\n")
    proc = check(config)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])          # was -11 (SIGSEGV)
    assert f"{tmp_path / 'rules.yaml'}:2: nested deeper than 64 levels" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("text, line, message", [
    # anchors and aliases are refused outright (yamlconf.refuse_aliases), at the first anchor
    ("- &a [*a]\n", 1, "&a: YAML anchors and aliases are not allowed"),
    ("- id: r\n  when: &w {all: [{keywords: x}, *w]}\n", 2, "&w: YAML anchors and aliases are not allowed"),
    ("l0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha]\n" + LAUGHS, 1, "&l0: YAML anchors and aliases are not allowed"),
    ("- id: r\n  title: a\x01b\n", 2, "invalid YAML: character U+0001 at column 11"),
    ("- id: r\n  ? [a, b]\n  : c\n", 2, "invalid YAML: while constructing a mapping found unhashable key"),
    ("x: " + "{a: " * 65 + "1" + "}" * 65 + "\n", 1, "nested deeper than 64 levels"),
    ("- id: r\n  title: 2026-02-30\n", 2, "invalid YAML: '2026-02-30' is not a valid timestamp (day is out of range"),
    ("x: !!timestamp 2001-12-14[]\n", 1, "invalid YAML: '2001-12-14[]' is not a valid timestamp"),
    ("x: [1, !!int abc]\n", 1, "invalid YAML: 'abc' is not a valid int"),
])
def test_hostile_shapes_are_config_errors_with_a_line(tmp_path, text, line, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.process_time()
    with pytest.raises(ConfigError) as err:
        load_yaml(path)
    assert time.process_time() - started < 1.0
    (issue,) = err.value.issues
    assert (issue.file, issue.line) == (str(path), line) and issue.message.startswith(message), issue


def test_a_generated_file_that_reuses_values_through_aliases_is_refused_with_the_way_out(tmp_path):
    """yaml.safe_dump writes a shared object once (&id001) and aliases it after: such a file is refused
    at its first anchor, and the message says to write the values out (safe_dump of copies does)."""
    when = {"any": [{"keywords": [f"word {n}" for n in range(30)]}, {"country": "ML"}, {"topic": "visit"}]}
    rules = [{"id": f"r{n}", "title": f"Rule {n}", "when": when, "notify": ["out"]} for n in range(200)]
    text = yaml.safe_dump(rules)
    assert "&id00" in text
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_yaml(path)
    (issue,) = err.value.issues
    assert "YAML anchors and aliases are not allowed" in issue.message and "in full" in issue.message
