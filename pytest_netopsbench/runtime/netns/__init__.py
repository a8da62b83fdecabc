"""The default lab backend: network namespaces + veth + FRR."""

from ._frr import render_configs
from ._lab import NetnsLab, require_host

__all__ = ["NetnsLab", "render_configs", "require_host"]
