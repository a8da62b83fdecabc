"""The default lab backend: network namespaces + veth + FRR."""

from .._frr import render_configs
from ._lab import NetnsLab, host_problem, require_host

__all__ = ["NetnsLab", "host_problem", "render_configs", "require_host"]
