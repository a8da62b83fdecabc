"""The symptom report: what ping-mesh anomaly detection hands an agent. Its shape never depends on
whether anything is wrong (an empty report has every key), so the shape cannot give a case away."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._models import Window

__all__ = [
    "Anomaly",
    "AnomalyKind",
    "DataQuality",
    "LeafAggregate",
    "LeafPairAggregate",
    "Severity",
    "SpineAggregate",
    "SymptomReport",
    "SymptomSummary",
]

AnomalyKind = Literal["path_unreachable", "packet_loss", "mtu_df_failure", "latency_spike", "jitter"]
Severity = Literal["critical", "high", "medium", "low"]
KIND_ORDER: dict[str, int] = {
    "path_unreachable": 0,
    "packet_loss": 1,
    "mtu_df_failure": 2,
    "latency_spike": 3,
    "jitter": 4,
}
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}


class Anomaly(BaseModel):
    kind: AnomalyKind
    src: str
    dst: str
    src_ip: str
    dst_ip: str
    src_leaf: str
    dst_leaf: str
    value: float
    baseline: float | None
    threshold: float
    unit: Literal["pct", "ms"]
    severity: Severity
    flows_seen: int = Field(description="distinct 5-tuples probed in the current window")
    flows_lossy: int = Field(description="5-tuples that lost probes: fewer than all suggests one ECMP member")
    spines: list[str] = Field(default_factory=list, description="spines the lossy flows crossed, when known")


class _KindCounts(BaseModel):
    path_unreachable: int = 0
    packet_loss: int = 0
    mtu_df_failure: int = 0
    latency_spike: int = 0
    jitter: int = 0


class LeafPairAggregate(_KindCounts):
    src_leaf: str
    dst_leaf: str
    pairs_total: int
    pairs_affected: int
    max_loss_pct: float
    max_rtt_avg_ms: float | None


class LeafAggregate(_KindCounts):
    """Anomalies touching one leaf (as source or destination rack): the common leaf of all affected
    pairs is usually where to look first."""

    leaf: str
    pairs_affected: int
    as_src: int
    as_dst: int


class SpineAggregate(BaseModel):
    """Lossy probe flows per spine they cross, either way (mapped by TTL-limited path discovery).
    A spine crossed by every lossy flow, while others carry only some, is the common element."""

    spine: str
    lossy_flows: int = Field(description="lossy flows whose probe or echo crosses this spine")
    mapped_flows: int = Field(description="probe flows known to cross this spine")
    pairs_affected: int


class SymptomSummary(_KindCounts):
    total_anomalies: int = 0
    pairs_observed: int = 0
    pairs_affected: int = 0
    leaf_pairs_affected: int = 0


class DataQuality(BaseModel):
    baseline_rounds: int
    current_rounds: int
    pairs_without_current_data: int
    flow_paths_mapped: int


class SymptomReport(BaseModel):
    baseline: Window
    current: Window
    summary: SymptomSummary
    anomalies: list[Anomaly]
    by_leaf_pair: list[LeafPairAggregate]
    by_leaf: list[LeafAggregate]
    by_spine: list[SpineAggregate]
    data_quality: DataQuality
