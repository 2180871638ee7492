"""`type: stdout`: the channel's config model."""
from __future__ import annotations

from typing import Literal

from alerts.notifiers.options import ChannelOptions


class StdoutChannelConfig(ChannelOptions):
    type: Literal["stdout"]
