"""Faults: registered classes that really break a lab, prove it from evidence, clear it, and say
where a correct diagnosis points.

Built-ins live in category modules (``link``, ``impairment``, ``routing``, ``policy``, ``system``,
``acl``, ``congestion``, ``gray``); third parties register through the ``netopsbench.faults`` entry
point group (see docs/faults.md).
"""

from . import registry
from ._base import (
    Fault,
    FaultTarget,
    GroundTruth,
    Location,
    NoParams,
    TargetError,
    TargetKind,
    Verification,
)
from ._caps import host_capabilities
from ._info import FaultInfo, ParamInfo, describe_fault, describe_faults
from .registry import all_faults, build_fault, normalize_fault_type
from .registry import get as get_fault
from .registry import names as fault_names
from .registry import register as register_fault

__all__ = [
    "Fault",
    "FaultInfo",
    "FaultTarget",
    "GroundTruth",
    "Location",
    "NoParams",
    "ParamInfo",
    "TargetError",
    "TargetKind",
    "Verification",
    "all_faults",
    "build_fault",
    "describe_fault",
    "describe_faults",
    "fault_names",
    "get_fault",
    "host_capabilities",
    "normalize_fault_type",
    "register_fault",
    "registry",
]
