"""The desk's read model: what the CLI's read commands (`newswatch alerts`, `status`, `items`) and the
web desk (web/) show of the service, read from its Redis, one query for both.

    alert_log.py   alerts with their evidence, deliveries and attempts, their event's reports, "also reported by"
    service.py     source health, queue depth, open deliveries, the scheduler lease, workers seen, the archive queue

What the archive holds (search, an item, a story, counts) is read through newswatch.archive.database.Archive,
by the CLI and the web alike.
"""
