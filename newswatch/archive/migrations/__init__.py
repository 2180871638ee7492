"""Alembic migrations of the archive, shipped in the package and run on start (newswatch.archive.migrate)."""
