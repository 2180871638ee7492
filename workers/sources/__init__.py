"""Source adapters, by config `type`. An explicit registry, not auto-discovery (DESIGN style 6)."""
from workers.sources.rss import RssSource

SOURCES = {"rss": RssSource}
