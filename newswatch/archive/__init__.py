"""The archive: every item that came in and every alert, in SQLite (the default, in state_dir) or
PostgreSQL, searchable by words in four scripts and by facets, for search and rule replay.

  schema.py     the tables              migrate.py + migrations/   Alembic, run on start
  database.py   Archive (one pool)      writer.py    a batch in one idempotent transaction
  records.py    queue entries           queue.py     the Redis queue  · archiver.py  push and drain
  searchtext.py words to index / look for   query.py  a search, checked · search.py  the SQL
  retention.py  what keep / max_items let go, in short batches   stats.py  `newswatch archive stats`
"""
