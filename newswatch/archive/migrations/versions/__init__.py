"""One file per schema revision, oldest first: 0001 items and alerts, 0002 full-text search."""
