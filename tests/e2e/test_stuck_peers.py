"""A feed server that trickles its headers holds no worker thread past the source's timeout: with two
worker threads and three such feeds, a fresh story on another source is still emailed within 30 s."""
import time

from tests.e2e.conftest import email_channel, feed_with_seed, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.slow_peer import TricklingPeer
from tests.support.smtp_server import LocalSMTPServer


def test_trickling_feeds_do_not_starve_a_fresh_alert(tmp_path, procs, redis_url, key_prefix, data_dir):
    plain = (data_dir / "feeds" / "world-2026-02" / "aljazeera_all__3f9eeff5039a008d.xml").read_bytes()
    with TricklingPeer(first=b"HTTP/1.1 200 OK\r\n", drip=b"X", every=0.5) as peer, \
            LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        route = http.feed("/world.xml", plain)          # nothing to alert on, yet
        slow = [{"id": f"slow{n}", "type": "rss", "url": peer.url(f"/slow{n}.xml"), "interval": "2s"}
                for n in range(3)]
        good = {"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "2s"}
        cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h",
                                      "sources": [good, *slow], "http": {"timeout": "3s"},
                                      "worker": {"concurrency": 2}, "channels": [email_channel(smtp)]})
        run = procs("run", "-c", str(cfg))
        # both worker threads are in trickling polls (the first polls of the slow feeds), and the good
        # feed was read once before its story appears
        wait_until(lambda: peer.accepted >= 2 and http.requests_for("/world.xml"), 60,
                   "two trickling polls and a first poll of the good feed", procs=[run])
        route.body = feed_with_seed(data_dir)
        route.etag = '"with-the-story"'
        published = time.monotonic()
        wait_until(lambda: smtp.messages, 30, "the fresh story's email while the feeds trickle", procs=[run])
        assert time.monotonic() - published < 30
        assert "Lavrov" in smtp.messages[0]["Subject"]
        assert peer.open_connections() <= 2       # never more trickling polls at once than threads
        assert all(lasted < 4.5 for lasted in peer.closed_by_client), peer.closed_by_client
        assert "poll_failed source_id=slow" in run.stderr() and "timed out after 3s" in run.stderr()
        assert run.terminate() == 0
