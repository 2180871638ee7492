"""docker-compose.yml against the Compose Specification's JSON Schema, and what matters in it.

There is no Docker engine (nor `docker compose`) here, so the file is checked the way Compose
checks it first: against the official schema, `compose-spec.json` from the compose-spec/
compose-spec repository (Apache-2.0), as the check-jsonschema package ships it (in the `test`
extra; its licence file is beside the schema, check_jsonschema/builtin_schemas/vendor/licenses/
LICENSE.compose-spec). Then the things the schema cannot know: healthchecks on /healthz,
secrets read through *_file keys, non-root services, the state volume, memory limits, and the
archive's PostgreSQL behind its profile (no published port, a volume, pg_isready, the password a
secret both sides read).
"""
import copy
import importlib.resources
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from alerts.notifiers.email.config import EmailChannelConfig
from newswatch.config.archive import ArchiveConfig, parse_archive_url

ROOT = Path(__file__).resolve().parents[2]
NEWSWATCH_SERVICES = ("scheduler", "worker")
STATE_DIR = "/var/lib/newswatch"


@pytest.fixture(scope="module")
def validator():
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))
    assert schema["title"] == "Compose Specification"
    assert (vendor / "licenses" / "LICENSE.compose-spec").read_text().count("Apache License") >= 1
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_is_valid_against_the_compose_spec(validator, compose):
    assert errors(validator, compose) == []


@pytest.mark.parametrize("break_it, where", [
    (lambda d: d["services"]["worker"].__setitem__("healthceck", {"test": ["CMD", "true"]}), "worker"),
    (lambda d: d["services"]["worker"]["healthcheck"].__setitem__("interval", ["30s"]), "worker/healthcheck"),
    (lambda d: d["services"]["scheduler"].__setitem__("secrets", "smtp_password"), "scheduler/secrets"),
    (lambda d: d.__setitem__("secret", d.pop("secrets")), ""),
    (lambda d: d["services"]["redis"].__setitem__("mem_limit", {"max": "1g"}), "redis/mem_limit"),
])
def test_the_schema_rejects_a_broken_copy(validator, compose, break_it, where):
    broken = copy.deepcopy(compose)
    break_it(broken)
    found = errors(validator, broken)
    assert found, "the validator accepted a broken file"
    assert any(e.startswith(f"services/{where}" if where else ":") for e in found), found


def test_scheduler_and_worker_have_healthchecks_on_healthz(compose):
    for name in NEWSWATCH_SERVICES:
        service = compose["services"][name]
        check = service["healthcheck"]
        assert check["test"][0] == "CMD" and "/healthz" in " ".join(check["test"]), name
        port = re.search(r"127\.0\.0\.1:(\d+)/healthz", " ".join(check["test"])).group(1)
        command = service["command"]
        # the process serves /healthz on the port the check asks (status server: --status-port)
        assert command[command.index("--status-port") + 1] == port, name
        assert "curl" not in check["test"] and "wget" not in check["test"], "the image has neither"
        assert {"interval", "timeout", "retries", "start_period"} <= check.keys(), name
    assert compose["services"]["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_secrets_are_files_read_through_file_keys_of_the_config(compose):
    assert compose["secrets"], "no top-level secrets"
    config = (ROOT / "config" / "docker.yaml").read_text()
    for name, spec in compose["secrets"].items():
        assert set(spec) == {"file"} and spec["file"].startswith("./secrets/"), name
        # the mounted config reads it with a *_file key the channel model accepts
        keys = re.findall(rf"^\s*(?:-\s*)?(\w+_file):\s*/run/secrets/{name}\b", config, re.M)
        assert keys, f"config/docker.yaml reads no *_file from /run/secrets/{name}"
        assert all(k in EmailChannelConfig.model_fields or k in ArchiveConfig.model_fields for k in keys), keys
    for name in NEWSWATCH_SERVICES:
        service = compose["services"][name]
        assert set(service["secrets"]) == set(compose["secrets"]), name
        env = service.get("environment", {})
        assert not [k for k in env if re.search(r"PASSWORD|TOKEN|SECRET|HASH|SESSION", k)], env
        assert "env_file" not in service, "secrets come from files under /run/secrets only"
    assert "secrets" in (ROOT / ".dockerignore").read_text().split(), "secrets must stay out of the image"


def test_newswatch_services_run_as_the_images_non_root_user(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_user = re.findall(r"^USER\s+(\S+)\s*$", dockerfile, re.M)[-1]
    assert image_user.split(":")[0] not in ("0", "root")
    for name in NEWSWATCH_SERVICES:
        service = compose["services"][name]
        assert service["user"] == image_user, name
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name
        assert service["read_only"] is True, name


def test_state_volume_and_read_only_config_are_mounted(compose):
    config = (ROOT / "config" / "docker.yaml").read_text()
    assert re.search(rf"^state_dir: \$\{{NEWSWATCH_STATE_DIR:-{STATE_DIR}\}}", config, re.M)
    for name in NEWSWATCH_SERVICES:
        service = compose["services"][name]
        volumes = service["volumes"]
        state = [v for v in volumes if v.split(":")[1] == STATE_DIR]
        assert len(state) == 1 and state[0].split(":")[0] in compose["volumes"], volumes  # a named volume
        assert "./config:/etc/newswatch:ro" in volumes, volumes
        assert service["environment"]["NEWSWATCH_STATE_DIR"] == STATE_DIR
        assert service["command"][1:3] == ["-c", "/etc/newswatch/docker.yaml"], name
    assert (ROOT / "config" / "docker.yaml").is_file()


def test_every_service_has_a_memory_limit_and_a_stop_grace_period(compose):
    for name, service in compose["services"].items():
        limit = service.get("mem_limit") or service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
        assert re.fullmatch(r"\d+[mg]", str(limit)), (name, limit)
        assert re.fullmatch(r"\d+s", service["stop_grace_period"]), name
    assert compose["services"]["worker"]["stop_grace_period"] == "60s"  # the task in hand finishes


def test_images_are_pinned_to_full_versions(compose):
    redis_image = compose["services"]["redis"]["image"]
    assert re.fullmatch(r"redis:\d+\.\d+\.\d+-alpine", redis_image), redis_image
    assert "--appendonly" in compose["services"]["redis"]["command"]
    assert re.fullmatch(r"postgres:\d+\.\d+-bookworm", compose["services"]["postgres"]["image"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", dockerfile, re.M).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", dockerfile, re.M)
    assert [s[1] for s in stages] == ["builder", "runtime"]
    runtime = dockerfile.split(" AS runtime", 1)[1]
    assert not re.search(r"\b(gcc|g\+\+|make|build-essential)\b", runtime), "compilers in the runtime stage"
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime


def test_postgres_runs_only_with_its_profile_unpublished_on_a_volume(compose):
    services = compose["services"]
    pg = services["postgres"]
    assert pg["profiles"] == ["postgres"]
    assert [name for name, service in services.items() if "profiles" in service] == ["postgres"]   # the rest always runs
    assert "ports" not in pg and "network_mode" not in pg, "only the newswatch services may reach it"
    [volume] = pg["volumes"]
    name, path = volume.split(":")
    assert name in compose["volumes"] and path == "/var/lib/postgresql/data"
    check = pg["healthcheck"]["test"]
    env = pg["environment"]
    assert check[:2] == ["CMD", "pg_isready"]
    assert check[check.index("--username") + 1] == env["POSTGRES_USER"] and check[check.index("--dbname") + 1] == env["POSTGRES_DB"]
    assert {"interval", "timeout", "retries", "start_period"} <= pg["healthcheck"].keys()
    # nothing depends on it: newswatch keeps the archive's entries in Redis until it answers
    assert all("postgres" not in service.get("depends_on", {}) for service in services.values())


def test_postgres_password_is_a_secret_both_sides_read_from_a_file(compose):
    pg = compose["services"]["postgres"]
    env = pg["environment"]
    assert "POSTGRES_PASSWORD" not in env
    secret = env["POSTGRES_PASSWORD_FILE"].removeprefix("/run/secrets/")
    assert secret in pg["secrets"] and secret in compose["secrets"]
    for name in NEWSWATCH_SERVICES:
        assert secret in compose["services"][name]["secrets"], name
    archive = yaml.safe_load((ROOT / "config" / "docker.yaml").read_text())["archive"]
    assert archive["password_file"] == f"/run/secrets/{secret}"
    assert archive["url"] == "${NEWSWATCH_ARCHIVE_URL:-}"   # empty (SQLite) unless the operator sets it


def test_the_documented_archive_url_reaches_the_postgres_service(compose):
    readme = (ROOT / "README.md").read_text()
    [value] = set(re.findall(r"^\s*NEWSWATCH_ARCHIVE_URL=(\S+)$", readme, re.M))
    assert re.search(r"^\s*COMPOSE_PROFILES=postgres$", readme, re.M)
    url = parse_archive_url(value)
    env = compose["services"]["postgres"]["environment"]
    assert (url.host, url.port, url.username, url.database) == ("postgres", 5432, env["POSTGRES_USER"], env["POSTGRES_DB"])
    assert url.password is None, "the password comes from the secret, never the URL"
    for name in NEWSWATCH_SERVICES:   # passed through from .env to the config's ${NEWSWATCH_ARCHIVE_URL:-}
        assert compose["services"][name]["environment"]["NEWSWATCH_ARCHIVE_URL"] == "${NEWSWATCH_ARCHIVE_URL:-}"
