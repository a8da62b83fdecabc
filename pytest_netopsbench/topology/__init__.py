"""Topology: the leaf-spine shape of a lab, generated deterministically per scale."""

from ._build import SCALE_ALIASES, build_topology, normalize_scale
from ._model import SCALES, Device, Interface, Link, LinkEnd, Role, ScaleSpec, Topology

__all__ = [
    "SCALES",
    "SCALE_ALIASES",
    "Device",
    "Interface",
    "Link",
    "LinkEnd",
    "Role",
    "ScaleSpec",
    "Topology",
    "build_topology",
    "normalize_scale",
]
