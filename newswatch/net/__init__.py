"""Outbound network calls under one hard wall-clock deadline (deadline.py) and the watchdog thread
that cuts sockets off when theirs passes (watchdog.py). Shared by the sources (workers/) and the
notifiers (alerts/)."""
