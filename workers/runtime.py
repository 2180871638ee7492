"""Everything a worker or scheduler process needs, built once from the config.

What only a worker uses is built on first use and imported then: the HTTP client and the source
adapters (a poll), the classifier and the compiled rules (`warm_up`), the archive's database (the
first write). The scheduler (`newswatch run`'s parent) builds none of them, so it never loads the
feed parser, httpx, the classifier's modules or SQLAlchemy (BENCHMARKS.md §13.3)."""
from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.dispatch import Dispatcher
from alerts.incidents import SourceIncidents
from alerts.store import AlertStore
from alerts.notifiers import build_notifier
from alerts.notifiers.options import ChannelOptions
from alerts.rules.loader import Rule
from newswatch.archive.archiver import Archiver
from newswatch.archive.queue import ArchiveQueue
from newswatch.config import Config
from newswatch.config.registry import ComponentConfig, SourceConfig
from workers.registry import load_config
from newswatch.logs import fields
from newswatch.metrics import Metrics
from newswatch.store.state import State, connect
from workers.rules_reload import LiveRules
from workers.sources_reload import LiveSources
from workers.sources import build_source

if TYPE_CHECKING:
    from alerts.rules.matcher import RuleMatcher
    from newswatch.archive.database import Archive
    from newswatch.classify.classifier import Classifier
    from workers.sources.base import Source
    from workers.sources.http_fetch import HttpFetcher

log = logging.getLogger(__name__)


def _min_severity(channel: ComponentConfig) -> str:
    """A `channels:` entry's min_severity: every channel kind's model is a ChannelOptions (alerts.notifiers)."""
    if not isinstance(channel, ChannelOptions):
        raise TypeError(f"channel {channel.id!r}: {type(channel).__name__} is no channel kind's config model")
    return channel.min_severity


class Runtime:
    def __init__(self, config: Config, redis_url: str):
        self.config = config
        self.settings = s = config.settings
        self.redis_url = redis_url
        self.state = State(connect(redis_url), s.key_prefix)
        self.metrics = Metrics()  # what this process did, for its /metrics (newswatch.metrics)
        self.pipelines = threading.BoundedSemaphore(s.worker.pipelines)   # see workers.polling
        # the archive's write path: a Redis queue, drained into the database (newswatch.archive.archiver)
        self.archive_queue = ArchiveQueue(self.state, s.archive.queue_max, self.metrics)
        self.archiver = Archiver(lambda: self.archive, self.archive_queue)
        self.alerts = AlertStore(self.state, archive=self.archive_queue)
        self.live_rules = LiveRules(config, self._compile_matcher)  # rules hot-reload (workers.rules_reload)
        self.live_sources = LiveSources(config.path, self)   # sources follow their files (workers.sources_reload)
        self.channels = {ch.id: ch for ch in s.channels}
        self.notifiers = {ch.id: build_notifier(ch) for ch in s.channels}
        floors = {c.id: _min_severity(c) for c in s.channels}
        self.dispatcher = Dispatcher(self.alerts, floors, s.delivery.redeliver_after, self.metrics)
        self.incidents = SourceIncidents(self.alerts, s.system_alerts, floors,
                                         s.delivery.redeliver_after)   # a source failing or quiet: the desk hears

    @classmethod
    def load(cls, config_path: str | Path | None, redis_url: str | None = None) -> "Runtime":
        config = load_config(config_path)
        url = redis_url or config.settings.redis_url
        if not url:
            raise RuntimeError("no Redis: set redis_url in the config or run `newswatch run`, "
                               "which starts the embedded Redis")
        return cls(config, url)

    @functools.cached_property
    def fetcher(self) -> HttpFetcher:
        """The HTTP client the sources share, made by the first poll."""
        from workers.sources.http_fetch import USER_AGENT, HttpFetcher
        s = self.settings
        return HttpFetcher(timeout=s.http.timeout, max_bytes=s.http.max_bytes, user_agent=s.http.user_agent or USER_AGENT)

    @functools.cached_property
    def sources(self) -> dict[str, Source]:
        """Source id -> its adapter, made on first use (a poll; a worker's task limits)."""
        return {src.id: build_source(src, self.fetcher, self.config.base_dir) for src in self.settings.sources}

    @functools.cached_property
    def archive(self) -> Archive:
        """The archive database's pool, opened when this process first drains (or searches)."""
        from newswatch.archive.database import Archive
        return Archive.from_config(self.settings.archive, self.config.state_dir)

    @functools.cached_property
    def classifier(self) -> Classifier | None:
        """Built on first use, so only processes that poll pay for it (about 150 MB, 0.5 s from cache)."""
        from newswatch.classify.classifier import Classifier
        from newswatch.classify.tables import tables_dir
        c = self.settings.classify
        if not c.enabled:
            return None
        return Classifier.from_config_dir(tables_dir(c.tables, self.config.base_dir),
                                          cache_dir=self.config.state_dir / "cache",
                                          min_population=c.min_population, languages=tuple(c.languages))

    @property
    def rules(self) -> list[Rule]:
        """The rules in force (they change when the rule files do, see `check_rules`)."""
        return self.live_rules.current.rules

    @property
    def matcher(self) -> RuleMatcher:
        """The compiled rules in force: compiled on first use (workers), replaced whole on reload.
        Take one reference per batch of items: `matcher = rt.matcher`."""
        return self.live_rules.matcher()

    def _compile_matcher(self, rules: list[Rule]) -> RuleMatcher:
        """Place and region conditions use the classifier's tables; `source:` the sources' tags; `reports:`
        the reports the pipeline recorded in Redis (story dedup and event clustering record an item's
        before it is matched): its event's, else its story's."""
        from alerts.rules.matcher import RuleMatcher
        from alerts.rules.reports import HappeningReports
        from newswatch.pipeline.event_reports import event_reports
        tables = self.classifier.tables if self.classifier is not None else None
        source_tags = {src.id: frozenset(src.tags) for src in self.settings.sources}
        return RuleMatcher(rules, tables=tables, source_tags=source_tags,
                           reports=HappeningReports(self.state, event_reports))

    def check_rules(self) -> bool:
        """Called by processes that match (at the start of every poll): reload the rules
        if their files changed (at most every few seconds), and from the first call on keep following
        them from a background thread, so a change is logged even while no poll runs."""
        try:
            self.live_rules.watch()
            return self.live_rules.check()
        except Exception as exc:  # noqa: BLE001 — a poll never fails because the rule files could not be read
            log.warning(fields("rules_check_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))
            return False

    @property
    def source_configs(self) -> list[SourceConfig]:
        return list(self.settings.sources)

    def replace_sources(self, sources: list[SourceConfig]) -> None:
        """The sources in force from now on (LiveSources): an unchanged source keeps its adapter; the rules
        are compiled again on next use (their `source:` conditions read the sources' tags)."""
        if "sources" in self.__dict__:   # made already (else made from the new settings on first use)
            old = self.sources
            self.sources = {src.id: old[src.id] if src.id in old and getattr(old[src.id], "config", None) == src
                            else build_source(src, self.fetcher, self.config.base_dir) for src in sources}
        self.settings = self.settings.model_copy(update={"sources": list(sources)})
        self.config.settings = self.settings
        self.__dict__.pop("source_langs", None)
        self.live_rules.recompile()

    def check_sources(self, force: bool = False) -> bool:
        """Reload the sources if their files changed (at most every few seconds unless forced)."""
        try:
            return self.live_sources.check(force)
        except Exception as exc:  # noqa: BLE001 — a poll never fails because the files could not be read
            log.warning(fields("sources_check_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))
            return False

    def warm_up(self) -> None:
        """Build (or load) the classifier and compile the rules now, before the worker takes tasks.

        Otherwise the first poll pays for it after its fetch: items published meanwhile wait for
        the next poll, and a first poll that outlasts the interval makes the scheduler's next one
        skip (the source is locked), so a fresh start read the feed 20 s apart (BENCHMARKS.md §8).
        A failure here is logged and left to the first poll, which records it on the source."""
        started = time.perf_counter()
        try:
            classifier = self.classifier
            matcher = self.matcher
        except Exception as exc:  # noqa: BLE001 — reported again, per source, by the first poll
            log.warning(fields("warm_up_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))
            return
        log.info(fields("warm_up_done", ms=f"{(time.perf_counter() - started) * 1000:.0f}",
                        classifier="off" if classifier is None else "ready", rules=len(matcher.rules)))

    @functools.cached_property
    def source_langs(self) -> dict[str, str | None]:
        return {src.id: getattr(src, "lang", None) for src in self.settings.sources}

    def close(self) -> None:
        self.live_rules.close()
        if "fetcher" in self.__dict__:   # made (cached_property)
            self.fetcher.close()
        if "archive" in self.__dict__:   # opened (cached_property)
            self.archive.close()
        self.state.r.close()
