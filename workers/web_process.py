"""The desk in the browser (web/) as a process of its own: `newswatch web` runs it alone against the
service's Redis and archive, and `newswatch run` starts it beside its worker child (web.enabled, web.port;
`--no-web` leaves it out). The two packages never import each other: the command line is the seam
(`python -m web serve -c CONFIG --redis-url URL --kinds workers.registry:registry`), as for the worker child.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

from newswatch.config import Config
from newswatch.logs import fields
from workers.children import stop_child
from workers.embedded_redis import _die_with_parent

log = logging.getLogger(__name__)
KINDS = "workers.registry:registry"    # every source and channel kind of this build, for web's config loader
EXIT_UNSERVABLE, EXIT_PORT = 2, 3      # web.server's exit codes: restarting would not help
RESTART_AFTER = 10.0                   # a web child that dies is started again, at most this often (seconds)


def web_command(config_path: str, redis_url: str, logging_options: tuple[str, str] | None = None,
                host: str | None = None, port: int | None = None) -> list[str]:
    args = [sys.executable, "-m", "web", "serve", "-c", config_path, "--redis-url", redis_url, "--kinds", KINDS]
    args += ["--host", host] if host else []
    args += ["--port", str(port)] if port is not None else []
    if logging_options:
        args += ["--log-level", logging_options[0], "--log-format", logging_options[1]]
    return args


class WebProcess:
    """`newswatch run`'s web child, in its own process group; dies with us (PDEATHSIG)."""

    def __init__(self, config: Config, redis_url: str, logging_options: tuple[str, str]):
        self.args = web_command(str(config.path), redis_url, logging_options)
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.given_up = False

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        log.info(fields("web_process_started", pid=self.proc.pid))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def worth_restarting(self) -> bool:
        """Dead, not for a reason a restart keeps (a port taken, a set-up that cannot be served), and not
        just started."""
        return (self.proc is not None and self.proc.poll() not in (None, EXIT_UNSERVABLE, EXIT_PORT)
                and time.monotonic() - self.started_at > RESTART_AFTER)

    def watch(self) -> None:
        """`newswatch run`'s loop, every second: a dead child is started again (at most every RESTART_AFTER s),
        unless it died for a reason a restart keeps; that is logged once."""
        code = self.proc.poll() if self.proc is not None else None
        if code is None or self.given_up:
            return
        if code in (EXIT_UNSERVABLE, EXIT_PORT):
            self.given_up = True
            log.error(fields("web_process_stopped", code=code,
                             reason="port taken" if code == EXIT_PORT else "cannot be served as configured"))
        elif self.worth_restarting():
            log.error(fields("web_process_died", code=code))
            self.start()

    def stop(self, timeout: float = 10.0) -> None:
        stop_child(self.proc, timeout)


def cmd_web(args) -> int:
    """`newswatch web`: the desk alone, against `redis_url` or a running `newswatch run`'s embedded Redis."""
    from newswatch.logs import log_options
    from workers.admin_cli import _service_redis
    from workers.registry import load_config
    config = load_config(args.config, dry_run=True)   # reads, and silences; sends nothing
    url, why = _service_redis(config)
    if url is None:
        print(f"newswatch web: {why}", file=sys.stderr)
        return 2
    command = web_command(str(config.path), url, log_options(args, config.settings), args.host, args.port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)   # the process becomes the web server (signals, exit code and all)
    return 0   # not reached


def add_web_parser(sub, common) -> None:
    web = sub.add_parser("web", parents=[common], help="the desk in the browser, alone (see also `run`)")
    web.add_argument("--host", help="overrides web.host (anything but loopback needs web.auth)")
    web.add_argument("--port", type=int, help="overrides web.port")
    web.set_defaults(func=cmd_web)
