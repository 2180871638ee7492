"""The `newswatch` command."""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import warnings

from newswatch import version
from newswatch.config.units import parse_duration
from newswatch.config.yamlconf import ConfigError
from newswatch.logs import add_log_arguments, fields, log_options, setup_logging
from newswatch.store.persistence import log_persistence, persistence_warning
from workers.registry import load_config
from workers.admin_cli import add_admin_parsers
from workers.embedded_redis import EmbeddedRedisError
from workers.sources_cli import add_sources_parser
from workers.web_process import add_web_parser

log = logging.getLogger(__name__)


def _load(args):
    """The config and its rules, or ConfigError with every problem of both (as `newswatch check`)."""
    from workers.registry import load_config_and_rules
    config, rules = load_config_and_rules(args.config)
    setup_logging(*log_options(args, config.settings))
    return config, rules


def cmd_check(args) -> int:
    """Every error of the config file and of every rule file, at once (exit 1), or a one-line summary."""
    from alerts.notifiers import check_channel
    from workers.registry import check_config_and_rules
    config, rules, issues = check_config_and_rules(args.config)
    if config is not None:   # what stops a notifier from being built (a template, an Apprise URL)
        issues += [config.lines.issue(("channels", config.position("channels", n)), problem)
                   for n, ch in enumerate(config.settings.channels) for problem in check_channel(ch)]
    if issues:
        raise ConfigError(issues)
    assert config is not None, "a config that cannot be read is an issue"
    s = config.settings
    warning = persistence_warning(s.redis_url) if s.redis_url else None   # the embedded one keeps an AOF
    if warning:
        print(warning, file=sys.stderr)
    print(f"ok: {config.path}: {len(s.sources)} sources, {len(s.channels)} channels, {len(rules)} rules")
    return 0


def cmd_items(args) -> int:
    """Fetch now and print the normalized items as JSON lines. Writes no state, sends nothing."""
    config, _ = _load(args)
    from workers.sources import build_source
    from workers.sources.base import SourceError
    from workers.sources.http_fetch import USER_AGENT, HttpFetcher
    s = config.settings
    sources = [src for src in s.sources if args.source in (None, src.id)]
    if not sources:
        print(f"no source with id {args.source!r}", file=sys.stderr)
        return 2
    from workers.admin_cli import story_lookup
    failed, lookup = 0, story_lookup(config)   # seen / story from the running service's Redis, if any
    with HttpFetcher(timeout=s.http.timeout, max_bytes=s.http.max_bytes,
                     user_agent=s.http.user_agent or USER_AGENT) as fetcher:
        for src in sources:
            try:
                result = build_source(src, fetcher, config.base_dir).poll({})
                result.take()
            except SourceError as exc:
                failed += 1
                print(f"{src.id}: {exc.reason}", file=sys.stderr)
                continue
            known = lookup(result.items) if lookup is not None else {}
            for item in result.items:
                item.clip(s.items.limits)        # what the pipeline would keep of it
                print(json.dumps({**item.to_dict(), **known.get(item.id, {})}, ensure_ascii=False))
    return 1 if failed else 0


def _classifier(args):
    """The classifier for dry runs: the config's settings when there is a config file, else defaults."""
    from alerts.rules.trial import classifier_for
    from newswatch.config import config_path
    path = config_path(args.config)
    config = load_config(path, dry_run=True) if args.config or path.exists() else None
    setup_logging(*log_options(args, config.settings) if config is not None else log_options(args))
    return classifier_for(config)


def classify_record(item) -> dict:
    facts = item.facts
    return {"id": item.guid or item.id, "url": item.url, "title": item.title, "lang": facts.lang,
            "countries": facts.countries, "mentioned": facts.mentioned, "cities": facts.cities,
            "regions": facts.regions, "topics": facts.topics, "actors": facts.actors,
            "evidence": [{"kind": m.kind, "value": m.value, "field": m.field, "span": [m.start, m.end],
                          "text": m.text, "entry": m.entry, "sentence": m.sentence, "country": m.country}
                         for m in facts.evidence]}


def _read_input(args, command: str, limits=None):
    """The items of --input (feed file, URL or JSON Lines), clipped as the pipeline would (the config's
    `items:` limits, else the defaults), or None after printing why not."""
    from newswatch.model.item import ItemLimits
    from workers.sources.inputs import InputError, read_items
    try:
        items = read_items(args.input)
        for item in items:
            item.clip(limits or ItemLimits())
        return items
    except InputError as exc:
        print(f"newswatch {command}: {exc}", file=sys.stderr)
        return None


def cmd_classify(args) -> int:
    """Classify a feed file, URL or JSON Lines; print one JSON object per item. No state, no delivery."""
    items = _read_input(args, "classify")
    if items is None:
        return 2
    from alerts.rules.trial import classify_as_polled
    for item in classify_as_polled(_classifier(args), items):
        record = classify_record(item)
        if args.format == "text":
            print(f"{record['title'][:80]}\n  lang={record['lang']} countries={','.join(record['countries'])} "
                  f"regions={','.join(record['regions'])} topics={','.join(record['topics'])} "
                  f"actors={','.join(a['id'] for a in record['actors'])}")
        else:
            print(json.dumps(record, ensure_ascii=False))
    return 0


def cmd_test_rule(args) -> int:
    """Run the rules over a feed file, URL or JSON Lines, or (--since/--until) over the archive; say what
    matched and why. No state, no delivery. Exit 0 whether or not anything matched, 1 on invalid rules
    (raised as ConfigError) or an archive that cannot be read, 2 on bad input."""
    from workers.rule_dry_run import load_rule_set, report, source_tags, stand_for
    config, rules, files = load_rule_set(args.config, args.rule_files)
    if args.schema_only:
        print(f"ok: {len(rules)} rules in {len(files)} files")
        return 0
    if args.input and (args.since or args.until):
        print("newswatch test-rule: --input (a feed) or --since/--until (the archive), not both", file=sys.stderr)
        return 2
    if args.since or args.until:   # replayed over the archive: workers/rule_replay.py
        from workers.rule_replay import cmd_replay
        setup_logging(*log_options(args, config.settings))
        return cmd_replay(args, config, rules)
    if not args.input:
        print("newswatch test-rule: --input or --since is required (unless --schema-only)", file=sys.stderr)
        return 2
    from alerts.rules.matcher import RuleMatcher
    items = _read_input(args, "test-rule", config.settings.items.limits)
    if items is None:
        return 2
    problem = stand_for(items, config, args.source)
    if problem:
        print(f"newswatch test-rule: {problem}", file=sys.stderr)
        return 2
    from alerts.rules.trial import classify_as_polled
    classifier = _classifier(args)
    matcher = RuleMatcher(rules, tables=classifier.tables, source_tags=source_tags(config))
    for item in classify_as_polled(classifier, items, config.settings.items.limits):
        print(report(item, matcher, args.format, args.explain))
    return 0


def cmd_worker(args) -> int:
    from newswatch.malloc import limit_arenas
    limit_arenas()   # before any thread: eight pool threads, one malloc arena (newswatch/malloc.py)
    config, _ = _load(args)
    from workers.status_server import status_server_for
    from celery.exceptions import SecurityWarning
    from workers.celery_app import CeleryConsole, make_app, queues
    from workers.runtime import Runtime
    from workers.tasks import register_tasks
    url = args.redis_url or config.settings.redis_url
    if not url:
        print("newswatch worker needs a Redis: set redis_url in the config "
              "(or use `newswatch run`, which starts the embedded one)", file=sys.stderr)
        return 2
    # A stop asked for while it starts (the classifier may take seconds to load) is a stop, exit 0, once the start
    # is done: Celery's own handlers are not there yet, and the default one would kill it (-15)
    stop_asked = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_asked.set())
    app = make_app(url, config.settings.key_prefix)
    warnings.filterwarnings("ignore", category=SecurityWarning)  # root in containers; we accept JSON only
    # Celery prints its shutdown chatter to sys.__stdout__; stdout belongs to the stdout channel's JSON lines.
    sys.__stdout__ = CeleryConsole()  # type: ignore[misc,assignment]  # its lines become log records
    rt = Runtime(config, url)
    if not args.no_persistence_check:   # `newswatch run` checks once for its whole tree
        log_persistence(rt.state.r, url, log)
    register_tasks(app, rt)
    status = status_server_for(rt, args)
    rt.warm_up()  # classifier and rules ready before the first task (a poll) is taken
    if stop_asked.is_set():
        log.info(fields("worker_stopped", reason="stop asked while starting"))
        if status is not None:
            status.stop()
        return 0
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)   # Celery installs its own as it starts
    from workers.heartbeat import HeartbeatTicker   # its pool runs a heartbeat task from its own queue
    ticker = HeartbeatTicker(app, rt.state, config.settings.health.heartbeat, args.worker_id).start()
    from workers.archive_jobs import ArchiveJobs
    archive_jobs = ArchiveJobs(rt).start() if args.archive_jobs else None   # `newswatch run`'s: its scheduler's
    worker = app.Worker(pool="threads", concurrency=args.concurrency or config.settings.worker.concurrency,
                        queues=[*queues(config.settings.key_prefix), ticker.queue], quiet=True, without_gossip=True,
                        without_mingle=True, without_heartbeat=True,
                        loglevel=log_options(args, config.settings)[0].upper())
    worker.start()
    ticker.stop()
    if archive_jobs is not None:
        archive_jobs.stop()
    if status is not None:
        status.stop()
    return worker.exitcode or 0


def cmd_scheduler(args) -> int:
    config, _ = _load(args)
    from workers.status_server import status_server_for
    from workers.celery_app import make_app
    from workers.runtime import Runtime
    from workers.scheduler import PollScheduler
    from workers.tasks import TaskQueue
    url = args.redis_url or config.settings.redis_url
    if not url:
        print("newswatch scheduler needs redis_url in the config", file=sys.stderr)
        return 2
    queue = TaskQueue(make_app(url, config.settings.key_prefix))
    rt = Runtime(config, url)
    log_persistence(rt.state.r, url, log)
    scheduler = PollScheduler(rt, queue.poll, queue.delivery, enqueue_ingest=queue.ingest)
    status = status_server_for(rt, args, scheduler=scheduler)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler.start()
    stop.wait()
    scheduler.stop()
    if status is not None:
        status.stop()
    return 0


def cmd_run(args) -> int:
    config, _ = _load(args)
    from workers.daemon import run_daemon, run_once
    logging_options = log_options(args, config.settings)   # the worker child logs like this process
    if args.once:
        return run_once(config, parse_duration(args.timeout), logging_options)
    return run_daemon(config, logging_options, web=not args.no_web)


def cmd_telegram_login(args) -> int:
    from workers.telegram_login import cmd_login
    return cmd_login(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newswatch", description="News ingestion and alerting.")
    parser.add_argument("--version", action="version", version=f"newswatch {version()}")
    add_log_arguments(parser)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", help="config file (default: $NEWSWATCH_CONFIG or config/newswatch.yaml)")
    add_log_arguments(common, default=argparse.SUPPRESS)   # also after the command; never resets the global one
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[common], help="scheduler + worker in one process tree")
    run.add_argument("--once", action="store_true", help="one pass over every source, deliver, exit")
    run.add_argument("--timeout", default="5m", help="with --once: how long to wait for deliveries (default 5m)")
    run.add_argument("--no-web", action="store_true", help="do not serve the desk (web.port) in the browser")
    run.set_defaults(func=cmd_run)
    for name, func, text in (("worker", cmd_worker, "a Celery worker: polls and deliveries"),
                             ("scheduler", cmd_scheduler, "the scheduler (one active per Redis)")):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("--redis-url", help="overrides redis_url from the config")
        p.add_argument("--status-port", type=int, help="serve /metrics and /healthz here (overrides status.port)")
        p.add_argument("--no-status", action="store_true", help="serve no /metrics or /healthz")
        p.add_argument("--status-fd", type=int, help=argparse.SUPPRESS)  # `newswatch run`'s worker child
        p.set_defaults(func=func)
        if name == "worker":
            p.add_argument("--concurrency", type=int, help="threads (default: worker.concurrency)")
            p.add_argument("--no-persistence-check", action="store_true", help=argparse.SUPPRESS)  # run's child
            p.add_argument("--worker-id", help=argparse.SUPPRESS)   # `newswatch run`: one id for every child it starts
            p.add_argument("--archive-jobs", action="store_true", help=argparse.SUPPRESS)   # run's: drain, prune
    sub.add_parser("check", parents=[common], help="validate config and rules").set_defaults(func=cmd_check)
    items = sub.add_parser("items", parents=[common], help="fetch now, print normalized items as JSON lines")
    items.add_argument("--source", help="only this source id")
    items.set_defaults(func=cmd_items)
    classify = sub.add_parser("classify", parents=[common], help="classify items from a feed file, URL or JSON Lines")
    classify.add_argument("--input", required=True, help="feed file, http(s) URL, or JSON Lines (.jsonl)")
    classify.add_argument("--format", choices=["json", "text"], default="json")
    classify.set_defaults(func=cmd_classify)
    test_rule = sub.add_parser("test-rule", parents=[common],
                               help="run rules over a feed file, URL, JSON Lines or the archive: what matched and why")
    test_rule.add_argument("rule_files", nargs="*", metavar="RULE_FILE",
                           help="rule files to test (default: the config's rules; channels still checked)")
    test_rule.add_argument("--input", help="feed file, http(s) URL, or JSON Lines (.jsonl)")
    test_rule.add_argument("--since", help="instead of --input: the archive's items since 7d (that long ago) or a date")
    test_rule.add_argument("--until", help="with or instead of --since: the archive's items until then (same forms)")
    test_rule.add_argument("--jobs", type=int, help="with --since/--until: processes matching (default: one per CPU, at most 4)")
    test_rule.add_argument("--format", choices=["json", "text"], default="json")
    test_rule.add_argument("--explain", action="store_true", help="also list the rules that did not match, and why")
    test_rule.add_argument("--schema-only", action="store_true", help="only validate the rule files")
    test_rule.add_argument("--source", metavar="ID", help="the configured source the input stands for "
                           "(its id and tags are what `source:` conditions see; default: none); "
                           "with --since: only that source's archived items")
    test_rule.set_defaults(func=cmd_test_rule)
    add_admin_parsers(sub, common)
    add_web_parser(sub, common)
    add_sources_parser(sub, common)
    telegram = sub.add_parser("telegram", help="Telegram account tools (mode: mtproto sources)")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    tg_login = telegram_sub.add_parser("login", help="log in interactively and print the session string once")
    tg_login.add_argument("--api-id", type=int, help="api_id from my.telegram.org (default: $TELEGRAM_API_ID)")
    tg_login.add_argument("--api-hash-env", default="TELEGRAM_API_HASH", metavar="VAR",
                          help="environment variable holding api_hash (default: TELEGRAM_API_HASH; "
                               "asked for, unechoed, when unset)")
    add_log_arguments(tg_login, default=argparse.SUPPRESS)
    tg_login.set_defaults(func=cmd_telegram_login)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(*log_options(args))   # until a command has read its config's log_level and log_format
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"newswatch: invalid configuration ({len(exc.issues)} error{'s' * (len(exc.issues) != 1)}):",
              file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    except EmbeddedRedisError as exc:     # e.g. a state_dir it cannot write: one line, no traceback
        print(f"newswatch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
