"""newswatch core: item model, config, Redis state, dedup. Imports neither workers nor alerts."""

__version__ = "0.1.0"


def version() -> str:
    """The installed distribution's version; this package's `__version__` when not installed."""
    from importlib.metadata import PackageNotFoundError, version as dist_version
    try:
        return dist_version("newswatch")
    except PackageNotFoundError:
        return __version__
