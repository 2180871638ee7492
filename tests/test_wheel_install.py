"""Issue #12: an installed wheel is whole. Tables and templates are package data, so `newswatch`
installed (not editable) into a fresh venv runs a config kept in any folder, with no checkout
of the repository anywhere it could look (cwd and the config's folder are temp folders)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "newswatch", "alerts", "workers", "web")   # what the Dockerfile copies


def run(*args, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv with the wheel built from this checkout; dependencies from the system site-packages."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"   # build from a copy: no build/ or egg-info left in the checkout
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, src / name)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src, cwd=tmp, env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("newswatch-*.whl")
    venv = tmp / "venv"
    made = run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=tmp, env=env)
    assert made.returncode == 0, made.stderr[-3000:]
    installed = run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", wheel,
                    cwd=tmp, env=env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


def test_installed_wheel_runs_a_config_from_any_folder(venv, tmp_path):
    env = {**os.environ, "NEWSWATCH_STATE_DIR": str(tmp_path / "state"), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
           "VIRTUAL_ENV": str(venv)}
    for name in ("PYTHONPATH", "NEWSWATCH_CONFIG"):
        env.pop(name, None)
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    # the venv's own copy is imported, not the checkout (which has an editable install in the system site-packages)
    where = run(venv / "bin" / "python", "-c", "import json, alerts, newswatch, workers;"
                "from newswatch.classify.tables import packaged_tables_dir;"
                "print(json.dumps([m.__file__ for m in (newswatch, alerts, workers)] + [str(packaged_tables_dir())]))",
                cwd=cwd, env=env)
    assert where.returncode == 0, where.stderr
    site = run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
               cwd=cwd, env=env).stdout.strip()
    assert site.startswith(str(venv))
    for path in json.loads(where.stdout):
        assert path.startswith(site + os.sep), (path, site)
        assert not path.startswith(str(ROOT))
    tables = Path(json.loads(where.stdout)[-1])
    assert sorted(p.name for p in tables.iterdir() if p.suffix in (".yaml", ".tsv")) == [
        "actors.yaml", "countries.yaml", "regions.yaml", "topics.yaml", "wordlike-city-names.tsv"]
    assert {p.name for p in (Path(site) / "alerts" / "templates").glob("*.j2")} == {
        "discord.md.j2", "slack.mrkdwn.j2", "telegram.html.j2", "text.j2"}

    # a config in its own folder: no tables there, a local feed file, the founding rule, a stdout channel
    etc = tmp_path / "etc" / "newswatch"
    (etc / "feeds").mkdir(parents=True)
    shutil.copy(ROOT / "config" / "demo" / "world-demo.xml", etc / "feeds" / "world-demo.xml")
    rules = (ROOT / "config" / "rules" / "sahel.yaml").read_text(encoding="utf-8")
    assert rules.count("notify: [desk-email, console]") == 2
    (etc / "sahel.yaml").write_text(rules.replace("notify: [desk-email, console]", "notify: [console]"),
                                    encoding="utf-8")
    config = etc / "newswatch.yaml"
    config.write_text("key_prefix: wheel-test\n"
                      "state_dir: ${NEWSWATCH_STATE_DIR}\n"
                      "max_age: off\n"
                      "sources: [{id: world-demo, type: rss, path: feeds/world-demo.xml}]\n"
                      "channels: [{id: console, type: stdout}]\n"
                      "rules: [sahel.yaml]\n", encoding="utf-8")
    newswatch = venv / "bin" / "newswatch"

    check = run(newswatch, "check", "-c", config, cwd=cwd, env=env)
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.startswith(f"ok: {config}: 1 sources, 1 channels, 2 rules"), check.stdout

    once = run(newswatch, "run", "--once", "-c", config, cwd=cwd, env=env, timeout=90)
    assert once.returncode == 0, once.stderr[-3000:]
    alerts = [json.loads(line) for line in once.stdout.splitlines() if line.startswith("{")]
    assert [a["rule"] for a in alerts] == ["russian-official-visits-sahel-capital"], once.stdout
    assert "Lavrov" in alerts[0]["title"] and "Bamako" in alerts[0]["title"]
    assert {"Bamako"} <= {e["matched"] for e in alerts[0]["evidence"]}
    assert not list(cwd.iterdir())   # nothing was written where it ran
    # the archive, migrated by the wheel's own Alembic scripts (package data), in the state folder
    import sqlite3
    with sqlite3.connect(tmp_path / "state" / "archive.sqlite3") as db:
        assert db.execute("SELECT version_num FROM newswatch_archive_version").fetchall() == [("0004",)]   # the head
        assert db.execute("SELECT count(*) FROM items").fetchone() == (23,)
