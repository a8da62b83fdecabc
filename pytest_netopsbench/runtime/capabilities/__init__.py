"""What this host can do: privileges, FRR, tools and kernel features, probed for real.

``detect()`` is cached per process; ``fault_mechanisms(detect())`` tells the fault layer which
implementation to use for each fault family on this host.
"""

from ._detect import BINARIES, ESSENTIAL_BINARIES, SETUP_HINT, HostCapabilities, KernelFeatures, detect
from ._mechanisms import FaultMechanisms, fault_mechanisms

__all__ = [
    "BINARIES",
    "ESSENTIAL_BINARIES",
    "SETUP_HINT",
    "FaultMechanisms",
    "HostCapabilities",
    "KernelFeatures",
    "detect",
    "fault_mechanisms",
]
