"""Hot reload of rule files: a worker follows its rule files by content hash, without a restart.

The rules in force are one immutable `RuleSet` (rules, digest of the files they
came from, compiled matcher), replaced by a single assignment; a reader takes a
local reference (`live.matcher()`) and keeps using it for the whole poll, so a
reload never changes the rules under a poll in progress.

What is compared is `rules_digest` over the files `rule_files` resolves *now*:
an edited file, a deleted one, or a new file matching a glob (`rules/*.yaml`)
all change it. A change is loaded with `load_rules` (the same validation as
`newswatch check`) and compiled; a file that no longer validates is logged once
as `rules_reload_failed` with its error lines (file, line, key, message — never
input values) and the previous rules keep running. The check runs at most every
`check_every` seconds: from a small background thread, and before each poll's
matching (whichever comes first), so a change is in force within about
2 × `check_every` plus the compile time.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from alerts.rules.loader import Rule, load_rules, rule_files, rules_digest
from alerts.rules.matcher import RuleMatcher
from newswatch.config import Config
from newswatch.logs import fields
from newswatch.config.yamlconf import ConfigError

log = logging.getLogger(__name__)
CHECK_EVERY = 2.0     # seconds between two looks at the rule files
MAX_LOGGED_ISSUES = 20


@dataclass(frozen=True)
class RuleSet:
    rules: list[Rule]
    digest: str
    matcher: RuleMatcher | None = None   # compiled on first use


def files_digest(config: Config) -> str:
    """Content hash of the rule files the config's paths and globs resolve to right now."""
    return rules_digest([path for path, _problem in rule_files(config)])


class LiveRules:
    """The rules in force in this process, reloaded when the rule files' content changes."""

    def __init__(self, config: Config, compile_matcher: Callable[[list[Rule]], RuleMatcher],
                 check_every: float = CHECK_EVERY):
        self.config = config
        self.compile_matcher = compile_matcher
        self.check_every = check_every
        digest = files_digest(config)          # before loading: a change while loading is seen next time
        self._current = RuleSet(load_rules(config), digest)   # ConfigError here: startup fails fast
        self._tried = digest                   # last digest loaded or rejected: a bad file is reported once
        self._lock = threading.Lock()          # one reload at a time; readers never take it
        self._next_check = time.monotonic() + check_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> RuleSet:
        return self._current

    def matcher(self) -> RuleMatcher:
        current = self._current
        if current.matcher is not None:
            return current.matcher
        with self._lock:
            matcher = self._current.matcher
            if matcher is None:
                matcher = self.compile_matcher(self._current.rules)
                self._current = replace(self._current, matcher=matcher)
            return matcher

    def check(self, force: bool = False) -> bool:
        """Reload if the files changed; at most every `check_every` s unless forced. True when reloaded.
        Never waits: if another thread is checking, this one goes on with the rules in force."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            self._next_check = now + self.check_every
            digest = files_digest(self.config)
            if digest == self._tried:
                return False
            self._tried = digest
            return self._reload(digest)
        finally:
            self._lock.release()

    def _reload(self, digest: str) -> bool:
        started, kept = time.perf_counter(), self._current
        try:
            rules = load_rules(self.config)
            matcher = self.compile_matcher(rules)
        except ConfigError as exc:
            issues = [str(issue) for issue in exc.issues]
            shown = issues[:MAX_LOGGED_ISSUES] + ([f"... and {len(issues) - MAX_LOGGED_ISSUES} more"]
                                                  if len(issues) > MAX_LOGGED_ISSUES else [])
            log.error(fields("rules_reload_failed", digest=digest[:12], errors=len(issues),
                             kept_rules=len(kept.rules), kept_digest=kept.digest[:12], issues=" | ".join(shown)))
            return False
        except Exception as exc:  # noqa: BLE001 — whatever went wrong, the rules in force keep running
            log.error(fields("rules_reload_failed", digest=digest[:12], errors=1, kept_rules=len(kept.rules),
                             kept_digest=kept.digest[:12], reason=f"{type(exc).__name__}: {exc}"[:300]))
            return False
        self._current = RuleSet(rules, digest, matcher)
        log.info(fields("rules_reloaded", rules=len(rules), enabled=len(matcher.rules), digest=digest[:12],
                        previous=kept.digest[:12], ms=f"{(time.perf_counter() - started) * 1000:.0f}"))
        return True

    def recompile(self) -> None:
        """Compile the rules in force again on next use (the sources' tags changed)."""
        with self._lock:
            self._current = replace(self._current, matcher=None)

    def watch(self) -> None:
        """Start the background check (once); processes that match call it, the scheduler does not."""
        if self._thread is not None or self._stop.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rules-reload", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.check_every):
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 — e.g. a rules folder that went away; try again later
                log.warning(fields("rules_check_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))

    def close(self) -> None:
        self._stop.set()
