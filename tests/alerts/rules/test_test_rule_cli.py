"""`newswatch test-rule` on a feed file with the seed story, JSON Lines and a URL; --explain; --schema-only."""
import json
import subprocess
import sys

import pytest
import yaml

from tests.alerts.rules.conftest import ROOT, collected_row
from tests.e2e.conftest import SEED_URL, feed_with_seed
from tests.support.http_server import LocalHTTPServer

SAHEL = ROOT / "config" / "rules" / "sahel.yaml"
INVALID_RULES = ROOT / "tests" / "fixtures" / "config" / "invalid" / "rules"
VISIT, ANNOUNCED = "russian-official-visits-sahel-capital", "russian-official-visit-announced-sahel"
RECORD_KEYS = ["id", "url", "title", "matches"]
EVIDENCE_KEYS = ["clause", "kind", "matched", "field", "start", "end", "entry", "sentence", "detail"]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """The shipped rules (config/rules/*.yaml) with the channels they name; state and cache in a temp dir."""
    base = tmp_path_factory.mktemp("test-rule")
    path = base / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "state_dir": str(base / "state"),
        "channels": [{"id": "desk-email", "type": "stdout"}, {"id": "console", "type": "stdout"},
                     {"id": "out", "type": "stdout"}],
        "rules": [str(ROOT / "config" / "rules" / "*.yaml")]}))
    return path


def run(config, *args):
    return subprocess.run([sys.executable, "-m", "workers.cli", "test-rule", "-c", str(config), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)


def records(proc) -> list[dict]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_feed_file_and_url_with_the_seed_story(config, tmp_path, data_dir):
    body = feed_with_seed(data_dir)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(body)
    from_file = records(run(config, "--input", feed))
    with LocalHTTPServer() as http:
        http.feed("/feed.xml", body)
        from_url = records(run(config, "--input", http.url("/feed.xml")))
    assert from_file == from_url and len(from_file) == 26
    assert all(list(r) == RECORD_KEYS for r in from_file)
    seed, *others = from_file
    assert seed["id"] == SEED_URL and seed["url"] == SEED_URL
    assert seed["title"] == "Russian Foreign Minister Sergei Lavrov in Bamako (AFP)."
    [match] = seed["matches"]
    assert match["rule"] == VISIT
    assert all(list(e) == EVIDENCE_KEYS for e in match["evidence"])
    # one event with every part of the clause: the visit's cue, who and where, in one sentence
    first = [e for e in match["evidence"] if e["clause"] == "when.any[0].event"]
    assert [(e["kind"], e["matched"]) for e in first] == [("event", "visit"), ("actor", "Lavrov"), ("place", "Bamako")]
    [detail] = {e["detail"] for e in first}      # dated from the post's published day (the feed's: today)
    assert detail.startswith("visit (visit): Sergey Lavrov (RU official) → Bamako (ML capital), happened, 20"), detail
    assert len({(e["field"], e["sentence"]) for e in first}) == 1
    assert [r["matches"] for r in others] == [[]] * 25        # nothing else in that Al Jazeera feed is a visit


def test_json_lines_named_rule_file_and_text_format(config, tmp_path):
    """Real reports (tests/data/collected/visits.jsonl): a visit, an announced visit, Goïta in Moscow."""
    rows = [("visit", "Lavrov arrives in Bamako (Sputnik)", "en"),
            ("announced", "Lavrov expected in Bamako (announced, not yet arrived)", "fr"),
            ("moscow", "Goïta arrives in Moscow (sic 'visit the invitation')", "en")]
    lines = []
    for key, note, lang in rows:
        row = collected_row("visits.jsonl", note, lang)
        lines.append({"id": key, "title": row["title"] or "", "summary": row["text"], "url": row["source"],
                      "lang": row["lang"], "published": row["published"]})
    path = write_jsonl(tmp_path / "items.jsonl", lines)
    out = records(run(config, SAHEL, "--input", path))
    assert [(r["id"], [m["rule"] for m in r["matches"]]) for r in out] == [
        ("visit", [VISIT]), ("announced", [ANNOUNCED]), ("moscow", [])]
    assert out[0]["url"] == collected_row("visits.jsonl", rows[0][1])["source"]
    text = run(config, SAHEL, "--input", path, "--format", "text")
    assert text.returncode == 0, text.stderr
    blocks = text.stdout.split("\n" + lines[1]["title"])[0]
    assert lines[0]["title"] in blocks
    # each event that holds the rule, with its cue, who, where (its role: → destination, in: location), modality
    # (the talks "to hold" are planned, as visits_labels.jsonl labels them: not one that holds the rule)
    assert (f"  MATCH {VISIT} (high): event: visit (arrived): Sergey Lavrov (RU official) → Bamako (ML capital), "
            "happened, 2023-02-07 · event: visit (Arrives): Sergey Lavrov (RU official) → Mali (ML), happened, "
            "2023-02-07\n") in text.stdout
    assert "  no rule matched" in text.stdout                  # Goïta in Moscow


def test_explain_names_the_failing_clause(config, tmp_path):
    """Real rows: Lavrov arrives in Addis Ababa, then a rally in Niamey (two sentences joined); Goïta arrives
    in Moscow; Blinken in Niamey."""
    addis = collected_row("visits.jsonl", "Lavrov arrives in Addis Ababa")
    niamey = collected_row("places.jsonl", "Niamey named; pro-Russia rally (no official visit)")
    goita = collected_row("visits.jsonl", "Goïta arrives in Moscow (sic 'visit the invitation')")
    blinken = collected_row("visits.jsonl", "Blinken in Niamey (Western; mentions Russian influence)")
    path = write_jsonl(tmp_path / "items.jsonl", [
        {"id": "joined", "title": "", "summary": f"{addis['text']} {niamey['text']}", "lang": "en"},
        {"id": "goita", "title": "", "summary": goita["text"], "lang": "en"},
        {"id": "blinken", "title": blinken["title"], "summary": blinken["text"], "lang": "en"}])
    out = records(run(config, SAHEL, "--input", path, "--explain"))
    assert all(list(r) == RECORD_KEYS + ["near_misses"] and r["matches"] == [] for r in out)
    joined, moscow, us = ({m["rule"]: m["failed"] for m in r["near_misses"]} for r in out)
    # the visit is to Addis Ababa; Niamey has a rally, not a visit
    assert joined[VISIT] == ["when.any[0].event: where: Addis Ababa (ET) is not in sahel",
                             "when.any[1].event: where: Addis Ababa (ET) is not in sahel",
                             "when.any[2].event: no talks/agreement event (events: visit, protest)"]
    assert joined[ANNOUNCED][0] == ("when.all[0].any[0].event: modality: happened, not planned; "  # nothing planned
                                    "where: Addis Ababa (ET) is not in sahel")
    assert moscow[VISIT][:2] == ["when.any[0].event: where: Moscow (RU) is not in sahel",      # Moscow, the destination
                                 "when.any[1].event: where: Moscow (RU) is not in sahel"]
    assert moscow[ANNOUNCED][0].startswith("when.all[0].any[0].event: modality: happened, not planned")
    assert us[VISIT][1] == "when.any[1].event: who: Antony Blinken (US official) is not RU"   # a US official
    text = run(config, SAHEL, "--input", path, "--explain", "--format", "text")
    assert (f"  no match {VISIT}:\n    - when.any[0].event: where: Moscow (RU) is not in sahel\n"
            "    - when.any[1].event: where: Moscow (RU) is not in sahel\n") in text.stdout


def test_schema_only(config):
    ok = run(config, "--schema-only")
    assert (ok.returncode, ok.stdout) == (0, "ok: 2 rules in 1 files\n"), ok.stderr
    both = run(config, SAHEL, ROOT / "config" / "demo" / "rules.yaml", "--schema-only")
    assert (both.returncode, both.stdout) == (0, "ok: 3 rules in 2 files\n"), both.stderr
    bad = run(config, INVALID_RULES / "bad_regex.yaml", INVALID_RULES / "unknown_modality.yaml", SAHEL, "--schema-only")
    assert bad.returncode == 1 and bad.stdout == ""
    assert "invalid configuration (2 errors)" in bad.stderr
    assert "bad_regex.yaml:6: [0].when.any[1].regex: invalid regular expression" in bad.stderr
    assert "unknown_modality.yaml:6: [0].when.topic.modality: unknown modality 'rumoured'" in bad.stderr


def test_exit_codes(config, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"title": "ok"}\nnot json\n')
    bad_input = run(config, "--input", tmp_path / "bad.jsonl")
    assert bad_input.returncode == 2 and "line 2: not JSON" in bad_input.stderr
    missing = run(config, "--input", tmp_path / "nope.xml")
    assert missing.returncode == 2 and "nope.xml" in missing.stderr
    assert run(config).returncode == 2                                   # no --input
    bad_rules = run(config, INVALID_RULES / "actor_unknown_key.yaml", "--input", tmp_path / "bad.jsonl")
    assert bad_rules.returncode == 1 and "[0].when.actor.rank: unknown key 'rank'" in bad_rules.stderr
    (tmp_path / "quiet.jsonl").write_text('{"title": "Weather in Reading", "summary": "Rain again."}\n')
    [quiet] = records(run(config, "--input", tmp_path / "quiet.jsonl"))     # no match is not an error
    assert quiet == {"id": quiet["id"], "url": None, "title": "Weather in Reading", "matches": []} and quiet["id"]
