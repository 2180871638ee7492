"""Source adapters, by config `type`. An explicit registry, not auto-discovery (DESIGN style 6)."""
from workers.sources.rss import RssSource
from workers.sources.telegram import telegram_source

SOURCES = {"rss": RssSource, "telegram": telegram_source}
