"""A worker builds its classifier and compiles its rules before it takes the first task.

Otherwise a fresh start's first poll pays for the build after its fetch, and items published
meanwhile wait two poll intervals (BENCHMARKS.md §8, cold start)."""
from tests.e2e.conftest import email_channel, feed_with_seed, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.smtp_server import LocalSMTPServer


def test_worker_is_ready_to_classify_before_its_first_poll(tmp_path, procs, redis_url, key_prefix, data_dir):
    state_dir = tmp_path / "state"
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        http.feed("/world.xml", feed_with_seed(data_dir))
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h", "state_dir": str(state_dir),
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1m"}],
            "channels": [email_channel(smtp)]})
        worker = procs("worker", "-c", str(cfg))
        wait_until(lambda: "warm_up_done" in worker.stderr(), 60, "the worker's warm-up", procs=[worker])
        log = worker.stderr()
        assert "classifier=ready" in log and "rules=1" in log, log[-2000:]
        assert any((state_dir / "cache").iterdir()), "the classifier cache was not written at start"
        assert http.requests_for("/world.xml") == []  # nothing polled yet: the build came first

        scheduler = procs("scheduler", "-c", str(cfg))
        wait_until(lambda: smtp.messages, 40, "the alert email", procs=[scheduler, worker])
        log = worker.stderr()
        assert log.count("classifier_index_ready") == 1  # built (or loaded) once, at start, not again by the poll
        assert log.index("warm_up_done") < log.index("poll_done source_id=world")
        assert scheduler.terminate() == 0 and worker.terminate() == 0


def test_a_stop_asked_while_the_worker_starts_is_a_clean_stop(tmp_path, procs, redis_url, key_prefix):
    """SIGTERM while the worker loads its classifier (a fresh state_dir: the cache is built, seconds): it finishes
    starting, takes no task and exits 0 (Celery's own handlers come later; the default one had killed it, -15)."""
    with LocalSMTPServer() as smtp:
        cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix,
                                      "state_dir": str(tmp_path / "s"), "channels": [email_channel(smtp)]})
        worker = procs("worker", "-c", str(cfg), "--no-status")
        wait_until(lambda: "redis_persistence" in worker.stderr(), 60, "the worker's start", procs=[worker])
        assert "warm_up_done" not in worker.stderr()   # still loading the classifier
        assert worker.terminate() == 0, worker.stderr()[-2000:]
        log = worker.stderr()
    assert "warm_up_done" in log and "worker_stopped" in log and "stop asked while starting" in log, log[-2000:]
