"""`newswatch items` fetches now and prints normalized items; it writes no state and sends nothing."""
import json
import subprocess
import sys

import yaml

from tests.e2e.conftest import ROOT, feed_with_seed
from tests.support.http_server import LocalHTTPServer, Response


def test_items_prints_json_lines_and_reports_broken_sources(tmp_path, data_dir):
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed_with_seed(data_dir))
        http.route("/broken", Response(status=500))
        (tmp_path / "r.yaml").write_text("[]\n")
        cfg = tmp_path / "c.yaml"
        cfg.write_text(yaml.safe_dump({
            "redis_url": "redis://127.0.0.1:1/0",  # never contacted
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml")},
                        {"id": "broken", "type": "rss", "url": http.url("/broken")}],
            "rules": ["r.yaml"]}))
        proc = subprocess.run([sys.executable, "-m", "workers.cli", "items", "-c", str(cfg)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        only = subprocess.run([sys.executable, "-m", "workers.cli", "items", "-c", str(cfg), "--source", "world"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    items = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and "broken: HTTP 500" in proc.stderr
    assert len(items) == 26 and items[0]["title"].startswith("Russian Foreign Minister Sergei Lavrov in Bamako")
    assert all(i["source_id"] == "world" and i["id"] and i["url"].startswith("http") for i in items)
    assert only.returncode == 0 and len(only.stdout.splitlines()) == 26
