"""`newswatch classify` on a feed file, a URL and JSON Lines."""
import json
import subprocess
import sys

from tests.e2e.conftest import ROOT, feed_with_seed
from tests.support.http_server import LocalHTTPServer

KEYS = {"id", "url", "title", "lang", "countries", "mentioned", "cities", "regions", "topics", "actors", "evidence"}


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "workers.cli", "classify", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def records(proc):
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_feed_file_and_url(tmp_path, data_dir):
    body = feed_with_seed(data_dir)
    (tmp_path / "feed.xml").write_bytes(body)
    from_file = records(run("--input", str(tmp_path / "feed.xml"), "-c", str(ROOT / "config" / "demo.yaml")))
    with LocalHTTPServer() as http:
        http.feed("/feed.xml", body)
        from_url = records(run("--input", http.url("/feed.xml"), "-c", str(ROOT / "config" / "demo.yaml")))
    assert from_file == from_url and len(from_file) == 26
    seed = from_file[0]
    assert set(seed) == KEYS
    assert {"ML", "RU"} <= set(seed["countries"]) and "sahel" in seed["regions"]
    assert any(a["id"] == "lavrov" for a in seed["actors"])
    lavrov = next(e for e in seed["evidence"] if e["kind"] == "actor")
    assert seed["title"][lavrov["span"][0]:lavrov["span"][1]] == lavrov["text"]


def test_json_lines_in_four_languages(tmp_path):
    """Real reports of Russian officials in Bamako (tests/data/collected/visits.jsonl, sources there)."""
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "collected" / "visits.jsonl").read_text(
        encoding="utf-8").splitlines()]
    picked = {}
    for row in rows:
        bamako = ("Bamako", "Бамако", "باماكو")
        if row["kind"] == "visit" and row["lang"] not in picked and any(b in row["text"] for b in bamako):
            picked[row["lang"]] = row
    assert set(picked) == {"en", "fr", "ar", "ru"}
    lines = [{"id": lang, "title": row["title"] or "", "summary": row["text"], "url": row["source"]}
             for lang, row in sorted(picked.items())]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    out = records(run("--input", str(path), "-c", str(ROOT / "config" / "demo.yaml")))
    assert [r["id"] for r in out] == ["ar", "en", "fr", "ru"]
    assert [r["lang"] for r in out] == ["ar", "en", "fr", "ru"]
    for r in out:
        assert "ML" in r["mentioned"] and any(c["name"] == "Bamako" for c in r["cities"]), r
        assert any(a["nationality"] == "RU" for a in r["actors"]), r


def test_bad_input_is_a_clear_error(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"title": "ok"}\nnot json\n')
    proc = run("--input", str(tmp_path / "bad.jsonl"), "-c", str(ROOT / "config" / "demo.yaml"))
    assert proc.returncode == 2 and "line 2: not JSON" in proc.stderr
    missing = run("--input", str(tmp_path / "nope.xml"), "-c", str(ROOT / "config" / "demo.yaml"))
    assert missing.returncode == 2 and "nope.xml" in missing.stderr


def test_dry_runs_need_no_channel_secret(tmp_path, data_dir):
    """The shipped config/newswatch.yaml reads ${SMTP_PASSWORD}: classify and test-rule send nothing,
    so they run without it; `newswatch check` (which is about running for real) still names it."""
    import os
    (tmp_path / "feed.xml").write_bytes(feed_with_seed(data_dir))
    env = {k: v for k, v in os.environ.items() if k != "SMTP_PASSWORD"}
    cfg = str(ROOT / "config" / "newswatch.yaml")
    base = [sys.executable, "-m", "workers.cli"]
    classify = subprocess.run(base + ["classify", "--input", str(tmp_path / "feed.xml"), "-c", cfg], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
    assert "ML" in records(classify)[0]["countries"]
    rule = subprocess.run(base + ["test-rule", "--input", str(tmp_path / "feed.xml"), "-c", cfg, "--format", "json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert rule.returncode == 0, rule.stderr
    assert json.loads(rule.stdout.splitlines()[0])["matches"][0]["rule"] == "russian-official-visits-sahel-capital"
    check = subprocess.run(base + ["check", "-c", cfg], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode != 0 and "SMTP_PASSWORD is not set" in check.stderr
    assert "unset-in-a-dry-run" not in classify.stdout + rule.stdout + classify.stderr + rule.stderr
