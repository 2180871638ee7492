"""`newswatch check` (the real CLI) lists every mistake of the config and of every rule file in one run,
each with file, line, key and "did you mean"; the commands that start from the config refuse the same list."""
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "config" / "invalid" / "every_mistake.yaml"


def newswatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def expected_lines() -> list[str]:
    """The fixture's `# expect:` header: one line per mistake, in the order check lists them."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line[len("# expect: "):] for line in lines if line.startswith("# expect: ")]


def reported(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines()[1:]]


def test_check_lists_every_mistake_of_every_file_at_once():
    expected = expected_lines()
    assert len(expected) == 12
    proc = newswatch("check", "-c", str(FIXTURE))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines()[0] == "newswatch: invalid configuration (12 errors):"
    got = reported(proc.stderr)
    assert len(got) == len(expected)
    for line, want in zip(got, expected):                 # in order: the config, then each rule file by line
        assert line.endswith("/" + want) or line == f"{FIXTURE.parent}/{want}", (line, want)
    text = proc.stderr
    for mistake, hint in [("'intervl'", "did you mean 'interval'?"), ("'contry'", "did you mean 'country'?"),
                          ("'FRA'", "did you mean 'FR' (France)?"), ("'french'", "did you mean 'fr' (French)?"),
                          ("'visits'", "did you mean 'visit'?"), ("'summit'", "did you mean 'diplomacy'?"),
                          ("'lavrof'", "did you mean 'lavrov' (Sergey Lavrov)?"), ("'Niamy'", "did you mean 'Niamey'?"),
                          ("'sahl'", "did you mean 'sahel'?"), ("'dsek'", "did you mean 'desk'?")]:
        assert f"{mistake} ({hint}" in text, mistake
    assert "unknown country code 'ZZ' (countries are ISO 3166-1 alpha-2 codes" in text
    assert "unknown source 'nosuchsource' (allowed: source ids wire; tags state-media)" in text
    assert "'blog'" not in text      # a rule naming the source that has its own error is not reported again


def test_run_refuses_to_start_with_the_same_list():
    proc = newswatch("run", "--once", "-c", str(FIXTURE))
    assert proc.returncode == 1
    assert reported(proc.stderr) == reported(newswatch("check", "-c", str(FIXTURE)).stderr)


def test_a_valid_config_says_ok(tmp_path):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([{
        "id": "r", "title": "R", "notify": ["out"],
        "when": {"all": [{"country": "FR"}, {"lang": "fr"}, {"topic": "visit"}, {"actor": "lavrov"},
                         {"city": "Niamey"}, {"source": "state-media"}]}}]))
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({
        "sources": [{"id": "wire", "type": "rss", "url": "http://127.0.0.1:9/", "tags": ["state-media"]}],
        "channels": [{"id": "out", "type": "stdout"}], "rules": ["rules.yaml"]}))
    proc = newswatch("check", "-c", str(tmp_path / "c.yaml"))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.endswith("c.yaml: 1 sources, 1 channels, 1 rules\n")
