"""Operator commands that read or change the running service's state in Redis:
`newswatch alerts [retry ID]`, `newswatch silence add|list|expire`, `newswatch status`.

They connect to `redis_url`, or, with the embedded default, to the Redis of a
running `newswatch run` (its socket in the state directory). They send nothing, so the
config is loaded as a dry run: channel secrets (`${SMTP_PASSWORD}`, `*_file`) need not be there.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone

from newswatch.config.units import parse_duration
from alerts.incidents import FAILING, QUIET, system_rule_id
from alerts.store import AlertStore
from workers.health import health
from workers.archive_cli import add_archive_parsers


def _service_redis(config) -> tuple[str | None, str]:
    """The running service's Redis: `redis_url`, else the socket of a running `newswatch run`'s
    embedded one. (None, why) when there is neither."""
    if config.settings.redis_url:
        return config.settings.redis_url, ""
    from workers.embedded_redis import EmbeddedRedis
    embedded = EmbeddedRedis(config.state_dir)
    if not embedded.socket.exists():
        return None, f"no redis_url in {config.path} and no running `newswatch run` (no socket at {embedded.socket})"
    return embedded.url, ""


def _state(args, config=None):
    from workers.registry import load_config
    from newswatch.store.state import State, connect
    # reads Redis, sends nothing: channel secrets need not be set
    config = config or load_config(args.config, dry_run=True)
    url, why = _service_redis(config)
    if url is None:
        raise SystemExit(f"newswatch: {why}")
    return config, State(connect(url), config.settings.key_prefix), url


from workers.event_views import archived_events, event_view


def story_lookup(config):
    """For `newswatch items`: a function from fetched items to what the running service knows of
    each ({"seen": bool, "story": {"id", "reports": [...]}, "event": {"id", "type", "reports": [...]}}),
    read from its Redis (`redis_url`, or a running `newswatch run`'s embedded one) and, for the item's
    event id, its archive; None when there is no such Redis. Reads only."""
    from newswatch.store.state import State, connect
    from newswatch.pipeline.stories import story_reports
    url, _ = _service_redis(config)
    if url is None:
        return None
    state = State(connect(url), config.settings.key_prefix)
    try:
        state.r.ping()
    except Exception:  # noqa: BLE001 — items is a dry run: without the service's Redis it prints the items alone
        return None

    def lookup(items) -> dict[str, dict]:
        out, events = {}, archived_events(config, [i.id for i in items])
        for item, value in zip(items, state.seen_values([i.id for i in items])):
            entry: dict = {"seen": value is not None}
            if value and value != "1":
                reports = story_reports(state, value)
                entry["story"] = {"id": value, "reports": [
                    {k: r.get(k) for k in ("source_id", "url", "title", "seen_at")} for r in reports]}
            if item.id in events:
                entry["event"] = event_view(state, events[item.id])
            out[item.id] = entry
        return out
    return lookup


def _when(ts) -> str:
    return datetime.fromtimestamp(float(ts), timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if ts else "-"


def alert_rows(config, state, since: float, status: str | None) -> list[dict]:
    """The alert log, oldest first: the read model's rows (alerts/readmodel/alert_log.py)."""
    from alerts.readmodel.alert_log import alert_rows as rows
    return rows(state, since, status)


def cmd_alerts(args) -> int:
    config, state, url = _state(args)
    if args.action == "retry":
        return _retry(state, url, args)
    try:
        since = time.time() - parse_duration(args.since) if args.since else 0
    except ValueError as exc:
        print(f"newswatch alerts: --since: {exc}", file=sys.stderr)
        return 2
    rows = alert_rows(config, state, since, args.status)
    for row in rows:
        if args.format == "json":
            print(json.dumps(row, ensure_ascii=False))
            continue
        states = ", ".join(f"{ch}: {d.get('status', '?')}" + (f" ({d['last_error']})" if d.get("last_error") else "")
                           for ch, d in row["deliveries"].items())
        print(f"{row['alert_id']}  {row['created_at'][:19]}  {row['severity']:<8} {row['rule']}  "
              f"{row['title'][:70]}  [{states}]")
        if row["event"]:
            print(f"    event {row['event']['id']}: {len(row['event']['reports'])} report(s)")
            for r in row["event"]["reports"]:
                print(f"      {r['source_id']} ({r['lang'] or '?'})  {r['url'] or ''}".rstrip())
        if row["reported_by"]:
            print("    also reported by: " + ", ".join(
                f"{r['source_id']}{' (' + r['lang'] + ')' if r['lang'] else ''} {r['url'] or ''}".strip()
                for r in row["reported_by"]))
    if args.format != "json":
        print(f"{len(rows)} alert(s)", file=sys.stderr)
    return 0


def _retry(state, url: str, args) -> int:
    from workers.celery_app import make_app
    from workers.tasks import TaskQueue
    store = AlertStore(state)
    payload = store.alert(args.alert_id) if args.alert_id else None
    if payload is None:
        print(f"newswatch: no alert {args.alert_id!r} (see `newswatch alerts`)", file=sys.stderr)
        return 1
    channels = [args.channel] if args.channel else [
        ch for ch in payload["channels"] if store.delivery(args.alert_id, ch).get("status") == "failed"]
    if not channels:
        print("newswatch: no failed delivery to retry (give --channel to re-send a sent one)", file=sys.stderr)
        return 1
    queue = TaskQueue(make_app(url, state.prefix))
    for channel in channels:
        store.reopen_delivery(args.alert_id, channel)
        queue.delivery(args.alert_id, channel)
        print(f"re-sending {args.alert_id} to {channel}")
    return 0


def _silence_args(args, config) -> tuple[float | None, str | None]:
    """`silence add`: the duration, or the problem with --for / --channel (a usage error: nothing is added).
    A rule glob matching no rule of the config is only warned about (stderr): the rule may come later."""
    import fnmatch
    from alerts.rules.loader import rule_ids
    from newswatch.config.yamlconf import did_you_mean
    try:
        duration = parse_duration(args.duration)
    except ValueError as exc:
        return None, f"--for: {exc}"
    channels = [ch.id for ch in config.settings.channels]
    if args.channel is not None and args.channel not in channels:
        hint = did_you_mean(args.channel, channels)
        return None, (f"--channel: unknown channel {args.channel!r} ({hint + ' ' if hint else ''}"
                      f"channels: {', '.join(channels) or 'none configured'})")
    ids = sorted(rule_ids(config))
    system = [system_rule_id(kind, src.id) for src in config.settings.sources for kind in (FAILING, QUIET)]
    if not any(fnmatch.fnmatchcase(rule_id, args.rule) for rule_id in ids + system):   # incidents' rules too
        hint = did_you_mean(args.rule, ids)
        print(f"newswatch silence add: warning: {args.rule!r} matches no rule of {config.path} "
              f"({hint + ' ' if hint else ''}rules: {', '.join(ids[:20]) or 'none'}{', ...' if len(ids) > 20 else ''}); "
              "adding it anyway", file=sys.stderr)
    return duration, None


def cmd_silence(args) -> int:
    from alerts.silences import Silences
    from workers.registry import load_config
    config = load_config(args.config, dry_run=True)   # reads Redis and the rules, sends nothing
    duration = None
    if args.action == "add":
        duration, problem = _silence_args(args, config)
        if problem:
            print(f"newswatch silence add: {problem}", file=sys.stderr)
            return 2
    _, state, _ = _state(args, config)
    silences = Silences(state)
    try:
        if args.action == "add":
            assert duration is not None, "_silence_args gives a duration whenever it finds no problem"
            s = silences.add(args.rule, duration, args.reason or "", channel=args.channel)
            print(f"{s.id}  silences {s.rule}{' on ' + s.channel if s.channel else ''} until {_when(s.ends_at)}")
        elif args.action == "expire":
            s = silences.expire(args.id)
            print(f"{s.id}  expired at {_when(s.ends_at)}")
        else:
            now = time.time()
            for s in (silences.all() if args.all else silences.active()):
                state_word = "active" if s.active(now) else "expired"
                print(f"{s.id}  {state_word:<7}  {s.rule}  channel={s.channel or '*'}  "
                      f"{_when(s.starts_at)} → {_when(s.ends_at)}  {s.reason}")
    except (ValueError, KeyError) as exc:
        print(f"newswatch: {exc.args[0]}", file=sys.stderr)
        return 1
    return 0


def status_report(config, state) -> dict:
    """The read model's service status (alerts/readmodel/service.py) with /healthz's verdict and the archive."""
    from alerts.readmodel.service import service_status
    s = config.settings
    report = service_status(state, s.sources, s.archive.queue_max)
    _, checks = health(state, list(report["sources"]), state.r, s.health)   # what /healthz says
    return {**report, "health": checks, "archive": archive_status(config, state)}


def archive_status(config, state) -> dict:
    """The archive's write queue (waiting, dropped at the cap, rejected) and where the database is
    (its password hidden). Reads Redis only: the database is not asked."""
    from newswatch.archive.queue import ArchiveQueue
    from newswatch.config.archive import redact_url
    archive = config.settings.archive
    return {"database": redact_url(archive.database_url(config.state_dir)),
            **ArchiveQueue(state, archive.queue_max).status()}


def cmd_status(args) -> int:
    from newswatch.store.persistence import persistence_warning
    config, state, url = _state(args)
    report = status_report(config, state)
    warning = persistence_warning(url)
    if warning:
        print(warning, file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report))
        return 0
    for sid, h in report["sources"].items():
        extra = f"  {h['last_error']}" if h["status"] == "failing" else ""
        print(f"{sid:<24} {h['type']:<9} {h['status']:<13} last ok {_when(h['last_success'])}{extra}")
    print("queues: " + ", ".join(f"{q}={n}" for q, n in report["queues"].items())
          + f"; open deliveries: {report['open_deliveries']}; scheduler lease held: {report['scheduler_lease']}")
    for line in health_lines(report["health"]):
        print(line)
    a = report["archive"]
    kinds = ", ".join(f"{n} {kind}s" for kind, n in a["dropped_by_kind"].items() if n)
    print(f"archive: {a['database']}; waiting to be written: {a['waiting']} (at most {a['queue_max']}); "
          f"dropped: {a['dropped']}{f' ({kinds})' if kinds else ''}; rejected: {a['rejected']}")
    return 0


def health_lines(checks: dict) -> list[str]:
    """`newswatch status`'s health: the verdict, each failing check by name, the workers, open incidents."""
    lines = [f"health: {checks['status']}"]
    for name, why in checks.get("failing", {}).items():
        lines += [f"  failing {name}: {w}: {r}" for w, r in why.items()] if isinstance(why, dict) \
            else [f"  failing {name}: {why}"]
    for wid, w in checks.get("workers", {}).items():
        lines.append(f"  worker {wid}: {w['status']} (last heartbeat {w['last_beat_age']:.0f}s ago)")
    for name, incident in checks.get("incidents", {}).items():
        lines.append(f"  incident {name} since {_when(incident['opened_at'])}: {incident['title']}")
    return lines


def add_admin_parsers(sub, common) -> None:
    alerts = sub.add_parser("alerts", parents=[common], help="the alert and delivery log; `alerts retry ID`")
    alerts.add_argument("action", nargs="?", choices=["list", "retry"], default="list")
    alerts.add_argument("alert_id", nargs="?", help="with retry: the alert id")
    alerts.add_argument("--channel", help="with retry: this channel (default: every failed one)")
    alerts.add_argument("--since", default="24h", help="only alerts newer than this (default 24h; 0 for all)")
    alerts.add_argument("--status", choices=["pending", "sending", "retrying", "sent", "failed", "silenced"])
    alerts.add_argument("--format", choices=["text", "json"], default="text")
    alerts.set_defaults(func=cmd_alerts)
    silence = sub.add_parser("silence", parents=[common], help="hold back a rule's alerts for a while")
    ssub = silence.add_subparsers(dest="action", required=True)
    add = ssub.add_parser("add", parents=[common], help="silence RULE_ID (or a glob) --for 4h --reason ...")
    add.add_argument("rule", metavar="RULE_ID")
    add.add_argument("--for", dest="duration", required=True, help="how long: a number and a unit, e.g. 30s, 10m, 4h, 2d")
    add.add_argument("--reason", required=True)
    add.add_argument("--channel", help="only on this channel (one of the config's channel ids)")
    lst = ssub.add_parser("list", parents=[common], help="active silences (--all: also the recently ended)")
    lst.add_argument("--all", action="store_true")
    exp = ssub.add_parser("expire", parents=[common], help="end a silence now")
    exp.add_argument("id")
    silence.set_defaults(func=cmd_silence)
    status = sub.add_parser("status", parents=[common], help="source health, queue depth, open deliveries")
    status.add_argument("--format", choices=["text", "json"], default="text")
    status.set_defaults(func=cmd_status)
    add_archive_parsers(sub, common)   # newswatch search
