"""Containerlab backend: the same fabric as FRR 10 containers (needs containerlab and Docker)."""

from ._lab import ContainerlabLab, require_containerlab
from ._topofile import DEFAULT_FRR_IMAGE, DEFAULT_HOST_IMAGE, frr_conf, topology_dict, write_lab_files

__all__ = [
    "DEFAULT_FRR_IMAGE",
    "DEFAULT_HOST_IMAGE",
    "ContainerlabLab",
    "frr_conf",
    "require_containerlab",
    "topology_dict",
    "write_lab_files",
]
