"""Exceptions with messages a person can act on: each names the step, device, file or field."""

from __future__ import annotations

__all__ = [
    "AgentError",
    "CapabilityError",
    "DeviceError",
    "FaultError",
    "LabError",
    "LabNameInUse",
    "NetopsbenchError",
    "ReportError",
    "RunFailedError",
    "ScenarioError",
    "ToolInputError",
]


class NetopsbenchError(Exception):
    """Base class for every error this package raises on purpose."""


class LabError(NetopsbenchError):
    """A lab could not be deployed, queried or torn down."""

    def __init__(self, message: str, *, step: str = "", device: str = "", logs: str = "") -> None:
        parts = [message]
        if step:
            parts.append(f"step: {step}")
        if device:
            parts.append(f"device: {device}")
        if logs:
            parts.append(f"daemon logs: {logs}")
        super().__init__("; ".join(parts))
        self.message, self.step, self.device, self.logs = message, step, device, logs


class LabNameInUse(LabError):
    """The lab name is taken (its run directory or a namespace exists). Raised before the lab
    object owns anything, so whoever catches it must not tear anything down."""

    def __init__(self, message: str) -> None:
        super().__init__(message, step="reserve")


class DeviceError(LabError):
    """What a tool tells an agent when a device does not answer: worded as the device's own
    failure (``leaf2: no response from the routing daemon (timed out)``), never a harness path,
    lab name or step."""

    def __init__(self, device: str, problem: str) -> None:
        super().__init__(f"{device}: {problem}")
        self.device = device


class CapabilityError(NetopsbenchError):
    """The host lacks something (a binary, a kernel feature, privileges) a lab or fault needs."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(f"{message}" + (f" ({hint})" if hint else ""))
        self.hint = hint


class ScenarioError(NetopsbenchError):
    """A scenario file or field is invalid."""

    def __init__(self, message: str, *, file: str = "", field: str = "") -> None:
        where = ":".join(p for p in (file, field) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.field = file, field


class ReportError(NetopsbenchError):
    """A report file is missing, is not a benchmark report, or reports cannot be combined."""

    def __init__(self, message: str, *, file: str = "") -> None:
        super().__init__(f"{file}: {message}" if file else message)
        self.file = file


class AgentError(NetopsbenchError):
    """An agent could not be loaded, wrapped, sent to workers or closed."""


class FaultError(NetopsbenchError):
    """A fault could not be injected, confirmed or cleared (the harness's fault, never the agent's)."""


class ToolInputError(NetopsbenchError, ValueError):
    """An agent passed a tool an argument it refuses (unknown device, injected shell, bad address)."""


class RunFailedError(NetopsbenchError):
    """A benchmark run did not complete; ``report`` holds what was finished."""

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report
