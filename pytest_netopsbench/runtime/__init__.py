"""Lab runtimes: the ``Lab`` protocol, the backend registry and lab lifecycle helpers.

``create_lab("xs").deploy()`` brings up a real leaf-spine fabric (netns + veth + FRR by default);
``attach_lab(name)`` reopens one from another process; ``list_labs``/``teardown_all`` find and remove
labs by their ``lab.json`` only, never by pattern.
"""

from . import capabilities
from ._integrity import SETTLED_VIEWS, LabSnapshot, drift, snapshot_lab
from ._memory import SCALE_MEMORY_MIB, check_memory, mem_available_mib, memory_problem
from ._nsenter import in_netns, netns_path, open_socket, run_in
from ._proc import pids_in_netns
from ._protocol import CommandResult, HealthReport, Lab, LabInfo
from ._registry import (
    BackendFactory,
    attach_lab,
    available_backends,
    create_lab,
    list_labs,
    register_backend,
    teardown_all,
    teardown_lab,
)
from ._rundir import default_lab_name, labs_root, new_run_id, run_lab_name

__all__ = [
    "SCALE_MEMORY_MIB",
    "SETTLED_VIEWS",
    "BackendFactory",
    "CommandResult",
    "HealthReport",
    "Lab",
    "LabInfo",
    "LabSnapshot",
    "attach_lab",
    "available_backends",
    "capabilities",
    "check_memory",
    "create_lab",
    "default_lab_name",
    "drift",
    "in_netns",
    "labs_root",
    "list_labs",
    "mem_available_mib",
    "memory_problem",
    "netns_path",
    "new_run_id",
    "open_socket",
    "pids_in_netns",
    "register_backend",
    "run_in",
    "run_lab_name",
    "snapshot_lab",
    "teardown_all",
    "teardown_lab",
]
