"""Sources beside the config (sources.local.yaml): merged into `sources:` at load, validated with the same
models as the config's own (errors naming that file, its line and key), and changed only through
SourceEdits, which saves nothing that `newswatch check` would refuse."""
from __future__ import annotations

import yaml
import pytest

from newswatch.config.local_sources import local_path, sources_digest
from newswatch.config.source_edits import SourceEditError, SourceEdits
from newswatch.config.yamlconf import ConfigError
from workers.cli import main
from workers.registry import load_config, registry


@pytest.fixture
def cfg(tmp_path):
    (tmp_path / "rules.yaml").write_text("[]\n")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "rules": ["rules.yaml"],
        "sources": [{"id": "wire", "type": "rss", "url": "https://example.org/wire.xml", "interval": "${WIRE_EVERY:-2m}"},
                    {"id": "local-file", "type": "rss", "path": "feed.xml"}]}))
    (tmp_path / "feed.xml").write_text("<rss/>")
    return path


def test_local_sources_are_merged_replacing_same_ids_and_check_reads_them(cfg, capsys):
    local_path(cfg).write_text(yaml.safe_dump({"sources": [
        {"id": "wire", "type": "rss", "url": "https://example.org/wire.xml", "enabled": False},
        {"id": "extra", "type": "rss", "url": "https://example.org/extra.xml", "interval": "1m"}]}))
    config = load_config(cfg)
    assert [(s.id, s.enabled) for s in config.settings.sources] == [("wire", False), ("local-file", True),
                                                                    ("extra", True)]
    assert config.local_ids == {"wire", "extra"} and config.source("extra").interval == 60
    assert main(["check", "-c", str(cfg)]) == 0
    assert "3 sources" in capsys.readouterr().out


def test_errors_in_the_local_file_name_it_with_line_and_key(cfg, capsys):
    local_path(cfg).write_text("sources:\n  - id: ok\n    type: rss\n    url: https://example.org/a\n"
                               "  - id: bad\n    type: rss\n    url: ftp://example.org/b\n  - id: worse\n    type: rss\n"
                               "    url: https://example.org/c\n    intervl: 5m\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    text = str(err.value)
    assert "sources.local.yaml:5: sources[1]: url must start with http:// or https://" in text
    assert "sources.local.yaml:11: sources[2].intervl: unknown key 'intervl' (did you mean 'interval'?" in text
    assert main(["check", "-c", str(cfg)]) == 1
    assert "sources.local.yaml:11" in capsys.readouterr().err


def test_edits_validate_as_check_does_and_save_nothing_refused(cfg):
    edits = SourceEdits(cfg, registry())
    before = sources_digest(cfg)
    with pytest.raises(SourceEditError) as err:
        edits.add({"id": "new", "type": "rss", "url": "https://example.org/n", "interval": "soon"})
    assert err.value.status == 422 and "sources.local.yaml:7: sources[0].interval: bad duration 'soon'" in str(err.value)
    with pytest.raises(SourceEditError) as err:
        edits.add({"id": "feed2", "type": "rss", "path": "missing.xml"})
    assert "sources[0].path: feed file 'missing.xml' not found" in str(err.value)
    with pytest.raises(SourceEditError) as err:
        edits.add({"id": "wire", "type": "rss", "url": "https://example.org/again"})
    assert err.value.status == 409 and "exists already" in str(err.value)
    with pytest.raises(SourceEditError) as err:
        edits.add({"id": "t", "type": "telegraph"})
    assert "unknown type 'telegraph' (allowed: rss, telegram)" in str(err.value)
    assert not local_path(cfg).exists() and sources_digest(cfg) == before   # nothing saved

    assert edits.add({"id": "new", "type": "rss", "url": "https://example.org/n", "interval": "1m"}).interval == 60
    assert edits.update("new", {"type": "rss", "url": "https://example.org/n2"}).url == "https://example.org/n2"
    with pytest.raises(SourceEditError) as err:
        edits.update("new", {"id": "renamed", "type": "rss", "url": "https://example.org/n2"})
    assert "cannot change" in str(err.value)
    with pytest.raises(SourceEditError) as err:
        edits.set_enabled("nope", False)
    assert err.value.status == 404
    assert edits.set_enabled("wire", False).enabled is False   # a source of the config file, overridden here
    assert sources_digest(cfg) != before
    saved = yaml.safe_load(local_path(cfg).read_text())["sources"]
    assert saved[-1] == {"id": "wire", "type": "rss", "url": "https://example.org/wire.xml",
                         "interval": "${WIRE_EVERY:-2m}", "enabled": False}   # as written: ${VAR} kept
    assert edits.set_enabled("wire", True).enabled is True
    rows = {r["id"]: r for r in edits.listing()}
    assert (rows["wire"]["origin"], rows["new"]["origin"], rows["local-file"]["origin"]) == ("edited", "local", "config")
    assert rows["wire"]["interval"] == 120 and rows["wire"]["enabled"] is True
    assert "cfg" not in str(load_config(cfg).settings.sources)
