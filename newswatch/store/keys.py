"""Every Redis key newswatch uses, built in this one module, under one configurable prefix.

`<p>` is `key_prefix` (default `nw`). Hot state only: history lives in the archive.

  <p>:seen:<item>                     seen fingerprint -> its story id (TTL seen_ttl)
  <p>:cursor:<source>                 hash: ETag / Last-Modified / last post id
  <p>:health:<source>                 hash: status, last error, consecutive failures, next poll
  <p>:lock:<what>:...                 short locks (poll of a source, send of a delivery)
  <p>:run:<run>:sources|deliveries    progress of one `run --once`
  <p>:alert:<alert>                   the alert (JSON) · <p>:alerts  sorted set of alert ids by time
  <p>:delivery:<alert>:<channel>      hash: status, attempts, last error · ...:log  list of attempts
  <p>:deliveries:open                 sorted set "alert|channel" by due time
  <p>:deliveries:overdue              sorted set "alert|channel" by the first due time the sweep found missed
  <p>:realert:<rule>:<happening>      the alert that opened the rule's window on the story or "event:<id>"
  <p>:story:<story>:sources|reports   who reported a story · <p>:story:map|ix:...  sketches (Lua-built)
  <p>:{ev:<family>}:ix|ev:<day>       events of a type family by day: key -> handles · handle -> event (Redis
  <p>:{ev:<family>}:rep|st:<slot> ... Cluster: one hash slot per family) · event -> its reports · story -> event
  <p>:{stl}:df|ix|sv:<day> ...        story linking (TF-IDF): term frequencies, term -> stories, story vectors;
                                      :map:<slot> story -> the story it was linked to · :seq
  <p>:digest:<channel> · <p>:digest:channels   alerts held for a digest
  <p>:ratelimit:<channel>:<window>    sliding-window send log
  <p>:silences                        hash of silences
  <p>:archive:queue|processing       entries waiting for the archive database · the batch being written
  <p>:archive:dropped|rejected        entries dropped at the queue's cap, by kind · entries no database took
  <p>:scheduler:lease                 the active scheduler's token
  <p>:healthz                         the write probe of /healthz (a SET with a short expiry)
  <p>:workers:alive|beat              hashes worker -> when its process last ticked / its pool last ran a task
  <p>:incidents                       hash "<kind>:<source>" -> an open source incident (JSON)
  <p>:arrivals:<source>               list: when the source's last 101 batches of new items arrived
  <p>:celery:...                      the Celery broker's own keys (kombu global_keyprefix)
"""
from __future__ import annotations


class Keys:
    def __init__(self, prefix: str):
        self.prefix = prefix

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    # items and sources
    def seen(self, item_id: str) -> str:
        return self._k("seen", item_id)

    def cursor(self, source_id: str) -> str:
        return self._k("cursor", source_id)

    def health(self, source_id: str) -> str:
        return self._k("health", source_id)

    def lock(self, *parts: str) -> str:
        return self._k("lock", *parts)

    def run(self, run_id: str, what: str) -> str:
        return self._k("run", run_id, what)

    # alerts and deliveries
    def alert(self, alert_id: str) -> str:
        return self._k("alert", alert_id)

    def alerts(self) -> str:
        return self._k("alerts")

    def delivery(self, alert_id: str, channel_id: str) -> str:
        return self._k("delivery", alert_id, channel_id)

    def delivery_log(self, alert_id: str, channel_id: str) -> str:
        return self._k("delivery", alert_id, channel_id, "log")

    def open_deliveries(self) -> str:
        return self._k("deliveries", "open")

    def overdue_deliveries(self) -> str:
        return self._k("deliveries", "overdue")

    def realert(self, rule_id: str, story_id: str) -> str:
        return self._k("realert", rule_id, story_id)

    def digest(self, channel_id: str) -> str:
        return self._k("digest", channel_id)

    def digest_channels(self) -> str:
        return self._k("digest", "channels")

    def ratelimit(self, channel_id: str, window: str) -> str:
        return self._k("ratelimit", channel_id, window)

    def silences(self) -> str:
        return self._k("silences")

    # stories (the sketch keys are built inside story_assign.lua from `prefix`)
    def story_sources(self, story_id: str) -> str:
        return self._k("story", story_id, "sources")

    def story_reports(self, story_id: str) -> str:
        return self._k("story", story_id, "reports")

    # events (newswatch/pipeline/events.py): every key one script touches shares the hash tag {ev:<family>}
    # (the `event_type` arguments below are type families: meeting, violence, protest, ...)
    def event_tag(self, event_type: str) -> str:
        return self._k("{ev:" + event_type + "}")

    def event_index(self, event_type: str, day: int) -> str:
        return f"{self.event_tag(event_type)}:ix:{day}"

    def event_records(self, event_type: str, day: int) -> str:
        return f"{self.event_tag(event_type)}:ev:{day}"

    def event_reports(self, event_type: str, slot: int) -> str:
        return f"{self.event_tag(event_type)}:rep:{slot}"

    def event_stories(self, event_type: str, slot: int) -> str:
        return f"{self.event_tag(event_type)}:st:{slot}"

    def event_seq(self, event_type: str) -> str:
        return f"{self.event_tag(event_type)}:seq"

    # story linking (newswatch/pipeline/story_link.py): one hash tag for every key of its script
    def story_link(self, what: str, number: int | None = None) -> str:
        """`what`: seq (no number), map (a slot), df, ix or sv (a day)."""
        return self._k("{stl}", what) if number is None else self._k("{stl}", what, str(number))

    # the archive's write queue (newswatch.archive.queue)
    def archive_queue(self) -> str:
        return self._k("archive", "queue")

    def archive_processing(self) -> str:
        return self._k("archive", "processing")

    def archive_dropped(self) -> str:
        return self._k("archive", "dropped")

    def archive_rejected(self) -> str:
        return self._k("archive", "rejected")

    # processes
    def scheduler_lease(self) -> str:
        return self._k("scheduler", "lease")

    def health_probe(self) -> str:
        return self._k("healthz")

    def workers_alive(self) -> str:
        return self._k("workers", "alive")

    def workers_beat(self) -> str:
        return self._k("workers", "beat")

    def task_queues(self) -> tuple[str, str]:
        """The Celery queues' names: polls, deliveries (workers.celery_app; `status` shows their depth)."""
        return f"{self.prefix}.poll", f"{self.prefix}.deliver"

    def celery_queue(self, queue: str) -> str:
        """The broker's list for a Celery queue (kombu's key under `global_keyprefix`)."""
        return self.celery_prefix() + queue

    # incidents (alerts/incidents.py)
    def incidents(self) -> str:
        return self._k("incidents")

    def arrivals(self, source_id: str) -> str:
        return self._k("arrivals", source_id)

    def metrics(self, name: str) -> str:
        return self._k("metrics", name)

    def celery_prefix(self) -> str:
        return self._k("celery") + ":"
