"""HTML to clean text. Filled in by the feed-parsing work."""
