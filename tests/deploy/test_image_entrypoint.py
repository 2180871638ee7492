"""The image's entry point, run as a plain process with the image's user rights and paths
(tests/deploy/image_user.py says how), since no Docker engine runs here: `newswatch check` with
the compose config and its secret file, the offline demo writing only in the state directory,
and the scheduler and worker commands of docker-compose.yml answering their own healthchecks.
"""
import json
import socket
import subprocess
import sys
import time

import pytest
import yaml

from tests.deploy.image_user import IMAGE_CONFIG, REPO, ImageRoot, entrypoint, image_env
from tests.support.http_server import LocalHTTPServer, Response

PASSWORD = "s3cret-Compose-pw"
EMPTY_FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>empty</title>'
              b'<link>http://127.0.0.1/</link><description>no items</description></channel></rss>')


@pytest.fixture(scope="module")
def image():
    root = ImageRoot()
    root.secret("smtp_password", PASSWORD + "\n")
    yield root
    root.remove()


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def docker_config(image: ImageRoot, **changes) -> str:
    """config/docker.yaml as mounted, its image paths (/run/secrets/...) mapped into the root."""
    text = (REPO / "config" / "docker.yaml").read_text()
    assert "/run/secrets/smtp_password" in text
    data = yaml.safe_load(image.map_paths(text))
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def install_config(image: ImageRoot, text: str, name: str = "docker.yaml") -> None:
    """Written by root (the config is read-only for the image user, and for everyone in its namespace)."""
    path = image.config / name
    path.write_text(text)
    path.chmod(0o644)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_user_cannot_write_the_config_and_owns_the_state(image):
    probe = ("import os, sys; print(os.getuid(), os.getgroups());"
             f"print(os.access({str(image.config)!r}, os.W_OK), os.access({str(image.state)!r}, os.W_OK));"
             "import workers; print(workers.__file__)")
    proc = image.run([sys.executable, "-c", probe], image.env())
    assert proc.returncode == 0, proc.stderr
    ids, access, module = proc.stdout.splitlines()
    assert ids == f"{image.uid} []"
    assert access == "False True"
    assert module.startswith(str(image.lib)), "the code must come from the image's read-only copy"
    denied = image.run(["/usr/bin/touch", str(image.config / "rules" / "x.yaml")], image.env())
    assert denied.returncode != 0 and "Read-only file system" in denied.stderr


def test_check_passes_with_the_compose_config_and_secret_file(image, redis_url):
    install_config(image, docker_config(image))
    env = image.env(NEWSWATCH_REDIS_URL=redis_url)
    assert env["NEWSWATCH_CONFIG"] == str(image.config / "docker.yaml")   # the Dockerfile's ENV
    proc = image.run([*entrypoint(), "check"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok: ") and "2 channels" in proc.stdout


def test_check_fails_without_revealing_a_secret_the_user_cannot_read(image, redis_url):
    """A secret file left root-only (README: chown 10001) is a pointed error, never echoed."""
    install_config(image, docker_config(image))
    image.secret("smtp_password", PASSWORD, owner=0, mode=0o400)
    try:
        proc = image.run([*entrypoint(), "check"], image.env(NEWSWATCH_REDIS_URL=redis_url))
    finally:
        image.secret("smtp_password", PASSWORD + "\n")
    assert proc.returncode == 1
    assert "cannot read password_file /run/secrets/smtp_password (Permission denied)" in \
        (proc.stdout + proc.stderr).replace(str(image.path), "")   # the path tried, never the secret
    assert PASSWORD not in proc.stdout + proc.stderr


def test_offline_demo_alerts_and_writes_only_in_the_state_directory(image):
    before = set(subprocess.run(["find", "/tmp", "-xdev", "-uid", str(image.uid)],
                                capture_output=True, text=True).stdout.split())
    proc = image.run([*entrypoint(), "run", "--once", "--timeout", "30s", "-c", f"{image.config}/demo.yaml"],
                     image.env(), timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    alerts = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [a["rule"] for a in alerts] == ["lavrov-in-sahel-capital"], proc.stdout[-2000:]
    # the embedded Redis and the classifier cache live in state_dir, the volume that survives
    assert (image.state / "cache").is_dir() and any((image.state / "cache").iterdir())
    assert any(p.name.startswith("newswatch") for p in image.state.iterdir()), list(image.state.iterdir())
    assert image.owned_by_user() == [str(image.secrets / "smtp_password")]   # chowned by the operator
    after = set(subprocess.run(["find", "/tmp", "-xdev", "-uid", str(image.uid)],
                               capture_output=True, text=True).stdout.split())
    outside = [p for p in after - before if not p.startswith(str(image.state))]
    assert outside == [], "the image user wrote outside its state directory"


def test_compose_scheduler_and_worker_answer_their_healthchecks(image, compose, redis_url, key_prefix):
    """The services' commands and healthchecks from docker-compose.yml, ports moved to free ones."""
    with LocalHTTPServer() as feeds:       # the config's two sources, served on loopback (no internet)
        feeds.route("/feed.xml", Response(body=EMPTY_FEED, headers={"Content-Type": "application/rss+xml"}))
        sources = yaml.safe_load(docker_config(image))["sources"]
        install_config(image, docker_config(image, sources=[{**s, "url": feeds.url("/feed.xml")} for s in sources]))
        env = image.env(NEWSWATCH_REDIS_URL=redis_url, NEWSWATCH_KEY_PREFIX=key_prefix)
        procs, checks = {}, {}
        try:
            for name in ("scheduler", "worker"):
                service = compose["services"][name]
                port = str(free_port())
                command = [image.map_paths(arg) if arg.startswith(IMAGE_CONFIG) else arg for arg in service["command"]]
                command[command.index("--status-port") + 1] = port
                procs[name] = image.popen([*entrypoint(), *command], env, name)
                test = service["healthcheck"]["test"]
                assert test[:2] == ["CMD", "python"]
                checks[name] = [sys.executable, *[arg.replace(":9464/", f":{port}/") for arg in test[2:]]]
                assert any(f":{port}/healthz" in arg for arg in checks[name])
            deadline = time.monotonic() + 40
            healthy: dict[str, bool] = {}
            while time.monotonic() < deadline and not (all(healthy.values()) and len(healthy) == 2
                                                       and len(feeds.requests_for("/feed.xml")) >= 2):
                for name, proc in procs.items():
                    assert proc.poll() is None, f"{name} exited:\n{image.log(name)[-3000:]}"
                    healthy[name] = image.run(checks[name], env, timeout=20).returncode == 0
                time.sleep(0.5)
            assert healthy == {"scheduler": True, "worker": True}, {n: image.log(n)[-2000:] for n in procs}
            assert len(feeds.requests_for("/feed.xml")) >= 2, "the worker never polled the sources"
            # the check fails when nothing answers: it is a real check
            procs["scheduler"].terminate()
            assert procs["scheduler"].wait(30) == 0, image.log("scheduler")[-2000:]
            assert image.run(checks["scheduler"], env, timeout=20).returncode != 0
            procs["worker"].terminate()
            assert procs["worker"].wait(int(compose["services"]["worker"]["stop_grace_period"][:-1])) == 0
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
    assert image.owned_by_user() == [str(image.secrets / "smtp_password")]
    assert image_env()["NEWSWATCH_STATE_DIR"] == compose["services"]["worker"]["environment"]["NEWSWATCH_STATE_DIR"]


def test_check_reads_the_archive_password_secret_with_the_postgres_profile(image, redis_url):
    """COMPOSE_PROFILES=postgres: the config's archive.url from NEWSWATCH_ARCHIVE_URL, its password
    from the compose secret, which the image user must be able to read (README: chown 10001)."""
    install_config(image, docker_config(image))
    env = image.env(NEWSWATCH_REDIS_URL=redis_url,
                    NEWSWATCH_ARCHIVE_URL="postgresql://newswatch@postgres:5432/newswatch")
    secret = image.secret("archive_db_password", "pg-" + PASSWORD + "\n")
    try:
        proc = image.run([*entrypoint(), "check"], env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        image.secret("archive_db_password", "pg-" + PASSWORD, owner=0, mode=0o400)
        proc = image.run([*entrypoint(), "check"], env)
        assert proc.returncode == 1
        assert "cannot read password_file /run/secrets/archive_db_password (Permission denied)" in \
            (proc.stdout + proc.stderr).replace(str(image.path), "")
        assert "pg-" + PASSWORD not in proc.stdout + proc.stderr
    finally:
        secret.unlink()
