"""newswatch core: item model, config, Redis state, dedup. Imports neither workers nor alerts."""

__version__ = "0.1.0"
