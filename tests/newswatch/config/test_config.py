"""Every invalid config case has its own fixture file and the exact message it must give."""
import subprocess
import sys
from pathlib import Path

import pytest

from workers.registry import load_config, load_config_and_rules
from newswatch.config.units import parse_duration, parse_size
from newswatch.config.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[3]
INVALID = ROOT / "tests" / "fixtures" / "config" / "invalid"
CASES = sorted(p for p in INVALID.glob("*.yaml"))


def expected_of(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: '"
    return first[len("# expect: "):]


def load_all(path):
    return load_config_and_rules(path)   # what `newswatch check` and every command starting from the config use


def test_there_is_a_fixture_per_case():
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_invalid_config_gives_its_message(path):
    with pytest.raises(ConfigError) as err:
        load_all(path)
    text = str(err.value)
    assert expected_of(path) in text, text
    # every issue names a file and, for these cases, a line
    assert all(issue.line for issue in err.value.issues), text


def test_all_errors_are_listed_at_once(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "max_age: 1x\n"
        "sources:\n"
        "  - {id: a, type: rss, url: 'http://127.0.0.1:9/', interval: bad}\n"
        "  - {id: b, type: nope}\n"
        "  - {id: c, type: rss, url: 'http://127.0.0.1:9/', colour: red}\n"
        "rules: []\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    lines = sorted((i.line, i.key) for i in err.value.issues)
    assert lines == [(1, "max_age"), (3, "sources[0].interval"), (4, "sources[1].type"), (5, "sources[2].colour")]


def test_config_and_rule_errors_are_listed_together(tmp_path):
    """Config errors do not hide the rule files' errors: the rules are checked against what of the config
    could be read, and a rule naming an entry that has errors of its own is not reported again."""
    (tmp_path / "rules.yaml").write_text(
        "- {id: r1, title: R, when: {country: FRA}, notify: [mail, pager]}\n"
        "- {id: r2, title: R, when: {source: news}, notify: [out]}\n")
    (tmp_path / "c.yaml").write_text(
        "max_age: 1x\n"
        "sources:\n  - {id: news, type: rss, url: 'http://127.0.0.1:9/', interval: often}\n"
        "channels:\n  - {id: mail, type: email, host: 127.0.0.1, port: notaport, from: a@b.org, to: [c@d.org]}\n"
        "  - {id: out, type: stdout}\n"
        "rules: [rules.yaml]\n")
    with pytest.raises(ConfigError) as err:
        load_all(tmp_path / "c.yaml")
    found = [(issue.file.rsplit("/", 1)[-1], issue.line, issue.key) for issue in err.value.issues]
    assert found == [("c.yaml", 1, "max_age"), ("c.yaml", 3, "sources[0].interval"), ("c.yaml", 5, "channels[0].port"),
                     ("rules.yaml", 1, "[0].notify[1]"), ("rules.yaml", 1, "[0].when.country")], str(err.value)
    assert "unknown channel 'pager'" in str(err.value) and "'mail'" not in str(err.value).split("pager")[0]


def test_cross_checks_run_beside_errors_and_name_the_files_indices(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "sources:\n"
        "  - {id: a, type: nope}\n"
        "  - {id: b, type: rss, url: 'http://127.0.0.1:9/b'}\n"
        "  - {id: b, type: rss, url: 'http://127.0.0.1:9/c'}\n"
        "  - {id: d, type: rss, path: missing.xml}\n"
        "rules: []\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    assert [(i.line, i.key) for i in err.value.issues] == [(2, "sources[0].type"), (4, "sources[2].id"),
                                                           (5, "sources[3].path")], str(err.value)
    assert "duplicate id 'b' (first used at line 3)" in str(err.value)


def test_secrets_never_appear_in_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("NW_TEST_SECRET", "hunter2-very-secret")
    (tmp_path / "c.yaml").write_text(
        "channels:\n"
        "  - id: mail\n    type: email\n    host: 127.0.0.1\n    port: notaport\n"
        "    password: ${NW_TEST_SECRET}\n    from: a@example.org\n    to: [b]\n"
        "rules: []\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    assert "hunter2" not in str(err.value)
    assert "channels[0].port" in str(err.value)
    text = str(pytest.raises(ConfigError, load_all, INVALID / "password_without_username.yaml").value)
    assert "s3cret-never-shown" not in text


def test_env_substitution_and_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("NW_TEST_HOST", "mail.internal")
    monkeypatch.delenv("NW_TEST_UNSET", raising=False)
    (tmp_path / "c.yaml").write_text(
        "redis_url: ${NW_TEST_UNSET:-}\nkey_prefix: ${NW_TEST_UNSET:-pfx}\n"
        "channels:\n  - {id: m, type: email, host: '${NW_TEST_HOST}', from: a@x.org, to: [b@x.org]}\n"
        "rules: []\n")
    config = load_config(tmp_path / "c.yaml")
    assert config.settings.redis_url is None
    assert config.settings.key_prefix == "pfx"
    assert config.channel("m").host == "mail.internal"
    assert config.channel("m").port == 587 and config.channel("m").security == "starttls"


def test_password_file(tmp_path):
    (tmp_path / "pw").write_text("from-a-file\n")
    (tmp_path / "c.yaml").write_text(
        f"channels:\n  - {{id: m, type: email, host: h, username: u, password_file: '{tmp_path / 'pw'}',"
        " from: a@x.org, to: [b@x.org]}\nrules: []\n")
    config = load_config(tmp_path / "c.yaml")
    assert config.channel("m").password.get_secret_value() == "from-a-file"
    assert "from-a-file" not in repr(config.channel("m"))


def test_defaults(tmp_path):
    (tmp_path / "c.yaml").write_text("rules: []\n")
    s = load_config(tmp_path / "c.yaml").settings
    assert (s.key_prefix, s.max_age, s.seen_ttl, s.http.max_bytes) == ("nw", 48 * 3600, 30 * 86400, 10 * 1024 * 1024)


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172800),
                                          ("500ms", 0.5), (90, 90), ("off", 0), (False, 0)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["5", "m5", "5x", "", "1h 2", True, -1])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_sizes():
    assert parse_size("10MB") == 10_000_000 and parse_size("512KiB") == 524288 and parse_size(42) == 42
    with pytest.raises(ValueError):
        parse_size("lots")


@pytest.mark.parametrize("name", ["newswatch.yaml", "demo.yaml"])
def test_shipped_configs_are_valid(name, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "x")
    config, rules = load_all(ROOT / "config" / name)
    assert rules and config.settings.sources


def test_check_command_lists_errors_and_exits_1():
    proc = subprocess.run([sys.executable, "-m", "workers.cli", "check", "-c", str(INVALID / "unknown_key.yaml")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "sources[0].intervl: unknown key 'intervl'" in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "workers.cli", "check", "-c", str(ROOT / "config" / "demo.yaml")],
                        capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and ok.stdout.startswith("ok:"), ok.stderr


# --- classify.tables: the packaged tables by default, a folder of copies as an override -------
def tables_config(tmp_path, tables: str | None) -> Path:
    classify = f"classify: {{tables: {tables}}}\n" if tables else ""
    path = tmp_path / "newswatch.yaml"
    path.write_text(f"{classify}channels: [{{id: out, type: stdout}}]\n")
    return path


def test_classify_tables_default_to_the_packaged_ones(tmp_path):
    from newswatch.classify.tables import TABLE_FILES, packaged_tables_dir, tables_dir
    config = load_config(tables_config(tmp_path, None))
    folder = tables_dir(config.settings.classify.tables, config.base_dir)
    assert folder == packaged_tables_dir() == ROOT / "newswatch" / "classify" / "data"
    assert all((folder / name).is_file() for name in TABLE_FILES)


def test_classify_tables_folder_missing_a_table_names_the_key_and_the_file(tmp_path):
    import shutil
    from newswatch.classify.tables import TABLE_FILES, packaged_tables_dir, tables_dir
    folder = tmp_path / "tables"
    folder.mkdir()
    for name in TABLE_FILES:
        if name != "topics.yaml":
            shutil.copy(packaged_tables_dir() / name, folder / name)
    path = tables_config(tmp_path, "tables")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (issue,) = err.value.issues
    assert issue.key == "classify.tables" and issue.line == 1 and issue.file == str(path)
    assert f"table file not found: {folder / 'topics.yaml'}" in issue.message, issue.message
    assert f"{path}:1: classify.tables: table file not found: {folder / 'topics.yaml'}" in str(err.value)
    with pytest.raises(ConfigError) as err:   # the classifier's own lookup says the same
        tables_dir("tables", tmp_path)
    assert "classify.tables: table file not found" in str(err.value) and str(folder / "topics.yaml") in str(err.value)
    shutil.copy(packaged_tables_dir() / "topics.yaml", folder / "topics.yaml")
    config = load_config(path)
    assert tables_dir(config.settings.classify.tables, config.base_dir) == folder


def test_classify_tables_folder_not_found(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tables_config(tmp_path, "no-such-dir"))
    (issue,) = err.value.issues
    assert issue.key == "classify.tables" and f"tables folder not found: {tmp_path / 'no-such-dir'}" in issue.message
def test_relative_secret_files_are_read_from_the_config_files_folder(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    (conf / "secrets").mkdir(parents=True)
    (conf / "secrets" / "smtp").write_text("pw-from-file\n")
    (conf / "secrets" / "session").write_text("session-from-file\n")
    (conf / "newswatch.yaml").write_text(
        "sources:\n"
        "  - {id: tg, type: telegram, channel: '@desk_news', mode: mtproto, api_id: 1, api_hash: h,"
        " session_file: secrets/session}\n"
        "channels:\n"
        "  - {id: m, type: email, host: h, username: u, password_file: secrets/smtp, ca_file: ca.pem,"
        " from: a@x.org, to: [b@x.org]}\n"
        "rules: []\n")
    monkeypatch.chdir(tmp_path)                                   # not the config's folder
    config = load_config("conf/newswatch.yaml")
    mail = config.channel("m")
    assert mail.password.get_secret_value() == "pw-from-file"
    assert mail.password_file == str(conf / "secrets" / "smtp") and mail.ca_file == str(conf / "ca.pem")
    assert config.source("tg").session.get_secret_value() == "session-from-file"


def test_an_unreadable_secret_file_names_the_key_and_the_absolute_path(tmp_path, monkeypatch):
    (tmp_path / "c.yaml").write_text(
        "channels:\n"
        "  - {id: m, type: email, host: h, username: u, password_file: secrets/nope, from: a@x.org, to: [b@x.org]}\n"
        "rules: []\n")
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(ConfigError) as err:
        load_config(Path(tmp_path.name) / "c.yaml")
    (issue,) = err.value.issues
    assert issue.line == 2 and issue.key == "channels[0]"
    assert issue.message == f"cannot read password_file {tmp_path / 'secrets' / 'nope'} (No such file or directory)"
    # a dry run (test-rule, alerts, status) sends nothing: the missing file is no error there
    assert load_config(Path(tmp_path.name) / "c.yaml", dry_run=True).channel("m").password is not None
