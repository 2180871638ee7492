"""`source: <tag>` end to end: a tagged source on a loopback feed, `newswatch run --once`, the alert on stdout;
and `newswatch test-rule --source ID`, which says which configured source a file input stands for."""
import json
import subprocess
import sys

from tests.e2e.conftest import ROOT, SEED_URL, feed_with_seed, write_config
from tests.support.http_server import LocalHTTPServer

TAGGED_RULES = [
    {"id": "state-media-lavrov", "title": "Lavrov in state media", "severity": "high",
     "when": {"all": [{"source": "state-media"}, {"keywords": ["Lavrov"]}]}, "notify": ["console"]},
    {"id": "opinion-lavrov", "title": "Lavrov in opinion pieces",
     "when": {"all": [{"source": "opinion"}, {"keywords": ["Lavrov"]}]}, "notify": ["console"]},
]


def test_a_rule_on_a_source_tag_alerts_in_the_daemon(tmp_path, procs, redis_url, key_prefix, data_dir):
    with LocalHTTPServer() as http:
        http.feed("/wire.xml", feed_with_seed(data_dir))
        http.feed("/blog.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title></channel></rss>')
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h",
            "sources": [{"id": "wire", "type": "rss", "url": http.url("/wire.xml"), "tags": ["state-media", "ru"]},
                        {"id": "blog", "type": "rss", "url": http.url("/blog.xml"), "tags": ["opinion"]}],
            "channels": [{"id": "console", "type": "stdout"}]}, rules=TAGGED_RULES)
        run = procs("run", "--once", "-c", str(cfg), "--timeout", "60s")
        assert run.proc.wait(120) == 0, run.stderr()
    alerts = [json.loads(line) for line in run.stdout().splitlines()]
    assert [(a["rule"], a["url"]) for a in alerts] == [("state-media-lavrov", SEED_URL)], run.stdout()
    assert {"clause": "when.all[0].source", "matched": "state-media"}.items() <= alerts[0]["evidence"][0].items()


def test_rule_stands_the_input_for_a_configured_source(tmp_path, data_dir):
    (tmp_path / "feed.xml").write_bytes(feed_with_seed(data_dir))
    cfg = write_config(tmp_path, {
        "state_dir": str(tmp_path / "state"),
        "sources": [{"id": "wire", "type": "rss", "url": "http://127.0.0.1:9/wire.xml", "tags": ["state-media"]}],
        "channels": [{"id": "console", "type": "stdout"}]}, rules=TAGGED_RULES[:1])

    def test_rule(*args):
        return subprocess.run([sys.executable, "-m", "workers.cli", "test-rule", "-c", str(cfg), "--input",
                               str(tmp_path / "feed.xml"), *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=180)

    def seed(proc) -> dict:
        assert proc.returncode == 0, proc.stderr
        return next(r for r in map(json.loads, proc.stdout.splitlines()) if r["url"] == SEED_URL)

    unsourced = seed(test_rule("--explain"))      # a file stands for no configured source: no tags
    assert unsourced["matches"] == []
    assert unsourced["near_misses"] == [{"rule": "state-media-lavrov", "failed": [
        "when.all[0].source: the item's source is 'input' (no tags), not 'state-media'"]}]
    sourced = seed(test_rule("--source", "wire"))
    assert [m["rule"] for m in sourced["matches"]] == ["state-media-lavrov"]
    unknown = test_rule("--source", "wyre")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "--source: no source 'wyre' in " in unknown.stderr and "(sources: wire)" in unknown.stderr
