"""`newswatch --version`, `--log-level` / `--log-format` before or after the command, and the
admin commands (alerts, status, silence) without channel secrets in the environment."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from newswatch import version
from newswatch.logs import log_options
from workers.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def newswatch(*args, env=None):
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def test_version():
    proc = newswatch("--version")
    assert proc.returncode == 0 and proc.stdout == f"newswatch {version()}\n", proc


def test_version_without_installed_metadata(monkeypatch):
    import importlib.metadata as metadata
    import newswatch

    def missing(name):
        raise metadata.PackageNotFoundError(name)
    monkeypatch.setattr(metadata, "version", missing)
    assert version() == newswatch.__version__


@pytest.mark.parametrize("argv", [["--log-format", "json", "--log-level", "debug", "status"],
                                  ["status", "--log-format", "json", "--log-level", "debug"],
                                  ["--log-level", "error", "status", "--log-format", "json", "--log-level", "debug"]])
def test_log_options_before_or_after_the_command(argv):
    assert log_options(build_parser().parse_args(argv)) == ("debug", "json")


def test_log_options_default_to_the_config():
    class Settings:
        log_level, log_format = "info", "json"
    assert log_options(build_parser().parse_args(["status"]), Settings()) == ("info", "json")
    assert log_options(build_parser().parse_args(["status", "--log-format", "text"]), Settings()) == ("info", "text")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["status", "--log-format", "xml"])


def test_admin_commands_need_no_channel_secret(tmp_path, redis_url, key_prefix):
    """alerts / status / silence read Redis and send nothing: unset ${VAR}s and a missing secret
    file are no error there; `check` (about running for real) still names them."""
    (tmp_path / "rules.yaml").write_text("[]\n")
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "rules": ["rules.yaml"],
        "sources": [{"id": "world", "type": "rss", "url": "http://127.0.0.1:9/feed.xml"},
                    {"id": "tg", "type": "telegram", "channel": "@desk_news", "mode": "mtproto",
                     "api_id": "${NW_TEST_TG_API_ID}", "session_file": "secrets/session"}],
        "channels": [{"id": "desk", "type": "email", "host": "smtp.example.org", "username": "desk",
                      "password": "${NW_TEST_SMTP_PASSWORD}", "from": "a@example.org", "to": ["b@example.org"]},
                     {"id": "tg", "type": "telegram", "bot_token": "${NW_TEST_TG_TOKEN}", "chat_id": -100123},
                     {"id": "slack", "type": "slack", "webhook_url_file": "secrets/slack"},
                     {"id": "hook", "type": "webhook", "url": "${NW_TEST_HOOK_URL}"}]}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NW_TEST_", "TELEGRAM_"))}
    c = ["-c", str(cfg)]
    status = newswatch("status", *c, "--format", "json", env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["sources"]["world"]["status"] == "never polled"
    alerts = newswatch("alerts", *c, env=env)
    assert alerts.returncode == 0 and "0 alert(s)" in alerts.stderr, alerts.stderr
    added = newswatch("silence", "add", "sahel-*", "--for", "1h", "--reason", "test", *c, env=env)
    assert added.returncode == 0, added.stderr
    listed = newswatch("silence", "list", *c, env=env)
    assert listed.returncode == 0 and "sahel-*" in listed.stdout, listed.stderr
    check = newswatch("check", *c, env=env)
    assert check.returncode == 1
    for name in ("NW_TEST_SMTP_PASSWORD", "NW_TEST_TG_TOKEN", "NW_TEST_HOOK_URL", "NW_TEST_TG_API_ID"):
        assert f"environment variable {name} is not set" in check.stderr, check.stderr
    assert "unset-in-a-dry-run" not in status.stdout + alerts.stdout + listed.stdout + status.stderr
