"""The desk hears when a source fails: `newswatch run`, a loopback feed answering 500 every poll
(interval 1s), aiosmtpd. Exactly one incident email however many polls fail, /healthz "degraded"
(200) listing the incident meanwhile; the feed back to 200: exactly one "recovered" email."""
import json
import time
import urllib.request

from tests.e2e.conftest import email_channel, wait_until, write_config
from tests.support.http_server import LocalHTTPServer, RecordedRequest, Response
from tests.support.redis_server import free_port
from tests.support.smtp_server import LocalSMTPServer


def healthz(port: int) -> tuple[int, dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:   # 503 raises
        return resp.status, json.loads(resp.read())


def test_one_incident_email_then_one_recovered_email(tmp_path, procs, redis_url, key_prefix, data_dir):
    feed = (data_dir / "feeds" / "world-2026-02" / "aljazeera_all__3f9eeff5039a008d.xml").read_bytes()
    served = {"failing": True}
    answers: list[int] = []

    def flaky(_request: RecordedRequest) -> Response:
        answers.append(500 if served["failing"] else 200)
        if served["failing"]:
            return Response(status=500, body=b"boom")
        return Response(body=feed, headers={"Content-Type": "application/rss+xml"})

    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        http.route("/flaky.xml", flaky)
        port = free_port()
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "classify": {"enabled": False},
            "worker": {"backoff_max": "1s"}, "status": {"port": port},
            "system_alerts": {"notify": ["desk-email"], "failures": 3},
            "sources": [{"id": "flaky", "type": "rss", "url": http.url("/flaky.xml"), "interval": "1s"}],
            "channels": [email_channel(smtp)]}, rules=[])
        run = procs("run", "-c", str(cfg))
        wait_until(lambda: smtp.messages, 40, "the incident email", procs=[run])
        [opened] = smtp.messages
        assert opened["Subject"] == "[newswatch] Source failing: flaky: 3 polls in a row failed (last: HTTP 500 " \
                                    "Internal Server Error)"
        body = opened.get_body(("plain",)).get_content()
        assert "Rule:      Source failing (system:source_failing:flaky)" in body
        assert "Why:       source_failing: 3 polls in a row failed; last error: HTTP 500" in body
        code, report = healthz(port)
        assert (code, report["status"]) == (200, "degraded") and list(report["incidents"]) == ["source_failing:flaky"]

        failed_so_far = answers.count(500)
        wait_until(lambda: answers.count(500) >= failed_so_far + 4, 30, "four more failed polls", procs=[run])
        time.sleep(1)                                         # the time to send an email, were one due
        assert len(smtp.messages) == 1

        served["failing"] = False
        wait_until(lambda: len(smtp.messages) >= 2, 40, "the recovered email", procs=[run])
        recovered = smtp.messages[1]
        assert recovered["Subject"].startswith("[newswatch] Source recovered: flaky recovered: polled fine again after ")
        wait_until(lambda: answers.count(200) >= 4, 30, "more good polls", procs=[run])
        time.sleep(1)
        assert len(smtp.messages) == 2, [m["Subject"] for m in smtp.messages]
        code, report = healthz(port)
        assert (code, report["status"], report["incidents"]) == (200, "ok", {}), report
        assert run.terminate() == 0
