"""Sources follow their files while running: the config file and `sources.local.yaml` beside it (where the
desk's /sources page and `newswatch sources import` write), by content hash, without a restart.

`LiveSources.check()` (at most every CHECK_EVERY seconds, or forced) compares `sources_digest`; on a change
it loads the config as at start (`workers.registry.load_config`, the same validation as `newswatch check`)
and hands the new `sources:` to the runtime (`Runtime.replace_sources`). A config that no longer loads is
logged once as `sources_reload_failed` (file, line, key, message) and the sources in force keep running.
The scheduler checks from a job of its own and then adds, reschedules or removes its poll jobs
(workers.scheduler); a worker checks before each poll, and at once when asked to poll a source it does not
know yet. Only `sources:` is taken from a reload: other settings still need a restart."""
from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from newswatch.config.local_sources import sources_digest
from newswatch.config.registry import SourceConfig
from newswatch.config.yamlconf import ConfigError
from newswatch.logs import fields
from workers.registry import load_config

log = logging.getLogger(__name__)
CHECK_EVERY = 2.0
MAX_LOGGED_ISSUES = 20


class SourceHolder(Protocol):
    """What LiveSources reloads into (workers.runtime.Runtime)."""

    @property
    def source_configs(self) -> list[SourceConfig]: ...

    def replace_sources(self, sources: list[SourceConfig]) -> None: ...


class LiveSources:
    def __init__(self, config_path, holder: SourceHolder, check_every: float = CHECK_EVERY):
        self.config_path = config_path
        self.holder = holder
        self.check_every = check_every
        self._tried = sources_digest(config_path)
        self._next_check = time.monotonic() + check_every
        self._lock = threading.Lock()

    def check(self, force: bool = False) -> bool:
        """Reload the sources if their files changed; True when the sources in force changed. Forced: now,
        and after any reload another thread is making."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return False
        # forced (a poll of a source this process does not know): wait for a reload in progress in another
        # thread, which may be the one that brings it; otherwise never wait
        if not (self._lock.acquire(timeout=30) if force else self._lock.acquire(blocking=False)):
            return False
        try:
            self._next_check = now + self.check_every
            digest = sources_digest(self.config_path)
            if digest == self._tried:
                return False
            self._tried = digest
            return self._reload(digest)
        finally:
            self._lock.release()

    def _reload(self, digest: str) -> bool:
        try:
            sources = load_config(self.config_path).settings.sources
        except ConfigError as exc:
            issues = [str(i) for i in exc.issues]
            log.error(fields("sources_reload_failed", digest=digest[:12], errors=len(issues),
                             kept_sources=len(self.holder.source_configs),
                             issues=" | ".join(issues[:MAX_LOGGED_ISSUES])))
            return False
        except Exception as exc:  # noqa: BLE001 — the sources in force keep running
            log.error(fields("sources_reload_failed", digest=digest[:12], reason=f"{type(exc).__name__}: {exc}"[:300]))
            return False
        before = {s.id: s for s in self.holder.source_configs}
        if [s for s in sources] == list(before.values()):
            return False
        self.holder.replace_sources(list(sources))
        now = {s.id: s for s in sources}
        log.info(fields("sources_reloaded", sources=len(sources), enabled=sum(s.enabled for s in sources),
                        added=",".join(sorted(now.keys() - before.keys())) or "-",
                        removed=",".join(sorted(before.keys() - now.keys())) or "-",
                        changed=",".join(sorted(i for i in now.keys() & before.keys() if now[i] != before[i])) or "-",
                        digest=digest[:12]))
        return True
