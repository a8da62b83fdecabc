"""Per-case traces: the recorder agents and tools write to, ATIF v1.7 models, redaction."""

from ._atif import (
    ATIF_VERSION,
    AtifAgent,
    FinalMetrics,
    Metrics,
    Observation,
    ObservationResult,
    Step,
    ToolCall,
    Trajectory,
)
from ._recorder import TraceEvent, TraceRecorder, TraceTotals, response_text, usage_counts
from ._redact import REDACTED, redact_text, sanitize, sanitized_json

__all__ = [
    "ATIF_VERSION",
    "REDACTED",
    "AtifAgent",
    "FinalMetrics",
    "Metrics",
    "Observation",
    "ObservationResult",
    "Step",
    "ToolCall",
    "TraceEvent",
    "TraceRecorder",
    "TraceTotals",
    "Trajectory",
    "redact_text",
    "response_text",
    "sanitize",
    "sanitized_json",
    "usage_counts",
]
