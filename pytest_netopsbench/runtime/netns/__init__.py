"""The default lab backend: network namespaces + veth + FRR, every link through a hidden wire."""

from .._frr import render_configs
from ._lab import NetnsLab, host_problem, require_host
from ._wire import Wire, wire_namespace

__all__ = ["NetnsLab", "Wire", "host_problem", "render_configs", "require_host", "wire_namespace"]
