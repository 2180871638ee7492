"""`python -m web serve`: the desk alone, under uvicorn, against the service's Redis and archive.

`newswatch web` (workers/cli.py) and `newswatch run` (workers/daemon.py) start it with the config, the
service's Redis URL and `--kinds workers.registry:registry`: the function that gives the config loader
every source and channel kind of this build (web does not import workers, nor workers web: the kinds are
handed over by name, as uvicorn is handed an app). `python -m web hash-password` prints the argon2 hash of
a password read from the terminal (or stdin), for `web.auth.users[].password_hash`.

Exit 0 on SIGTERM/SIGINT, 2 for a config or an access set-up that cannot be served (a non-loopback host
without `web.auth`, a secret that cannot be read), 3 when the port cannot be bound."""
from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import signal
import socket
import sys

import uvicorn

from newswatch.config import load_config
from newswatch.config.registry import Registry
from newswatch.config.web import is_loopback
from newswatch.config.yamlconf import ConfigError
from newswatch.logs import add_log_arguments, fields, log_options, setup_logging

log = logging.getLogger("web")
EXIT_UNSERVABLE, EXIT_PORT = 2, 3


def kinds(spec: str) -> Registry:
    """`module:function` returning the Registry of source and channel kinds."""
    module, _, name = spec.partition(":")
    found = getattr(importlib.import_module(module), name or "registry")()
    if not isinstance(found, Registry):
        raise SystemExit(f"newswatch web: --kinds {spec}: gave {type(found).__name__}, not a Registry")
    return found


def serve(args: argparse.Namespace) -> int:
    from web.app import create_app
    from web.auth import Auth, AuthError
    from web.desk import Desk
    registry = kinds(args.kinds)
    try:   # reads and silences only, sends nothing: channel secrets need not be here (web.auth's must)
        config = load_config(args.config, registry=registry, dry_run=True)
    except ConfigError as exc:
        print(f"newswatch web: invalid configuration ({len(exc.issues)} errors):", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_UNSERVABLE
    setup_logging(*log_options(args, config.settings))
    web = config.settings.web
    host, port = args.host or web.host, args.port if args.port is not None else (web.port or 8080)
    if web.auth is None and not is_loopback(host):
        print(f"newswatch web: refusing to serve on {host}: it is not a loopback address, and without web.auth "
              "anyone who reaches it could read the desk (give web.auth users, or --host 127.0.0.1)", file=sys.stderr)
        return EXIT_UNSERVABLE
    redis_url = args.redis_url or config.settings.redis_url
    if not redis_url:
        print("newswatch web: no Redis: give redis_url in the config or --redis-url (`newswatch web` finds a "
              "running `newswatch run`'s)", file=sys.stderr)
        return EXIT_UNSERVABLE
    try:
        auth = Auth(web.auth)
    except AuthError as exc:
        print(f"newswatch web: {exc}", file=sys.stderr)
        return EXIT_UNSERVABLE
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        log.error(fields("web_unavailable", host=host, port=port, reason=exc.strerror or str(exc)))
        return EXIT_PORT
    app = create_app(Desk(config, redis_url, read_input=registry.read_input), auth)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, proxy_headers=True,
                                           timeout_graceful_shutdown=2, lifespan="on"))
    log.info(fields("web_started", host=host, port=sock.getsockname()[1], auth="on" if auth.required else "off"))
    for sig in (signal.SIGTERM, signal.SIGINT):   # uvicorn re-raises the signal it stopped on, after its
        signal.signal(sig, lambda *_: None)       # graceful shutdown, to the handler it found: a stop is exit 0
    server.run(sockets=[sock])
    log.info(fields("web_stopped"))
    return 0


def hash_password_command(_: argparse.Namespace) -> int:
    from web.auth import hash_password
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("newswatch web: a password of at least 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m web", description="The newswatch desk in the browser.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the desk")
    run.add_argument("-c", "--config", help="config file (default: $NEWSWATCH_CONFIG or config/newswatch.yaml)")
    run.add_argument("--host", help="overrides web.host (anything but loopback needs web.auth)")
    run.add_argument("--port", type=int, help="overrides web.port")
    run.add_argument("--redis-url", help="the service's Redis (default: redis_url of the config)")
    run.add_argument("--kinds", default="workers.registry:registry",
                     help="module:function giving the source and channel kinds (default: workers.registry:registry)")
    add_log_arguments(run)
    run.set_defaults(func=serve)
    hashing = sub.add_parser("hash-password", help="print the argon2 hash of a password (read from the terminal)")
    hashing.set_defaults(func=hash_password_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(*log_options(args))
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
