"""Evidence: continuous collection of a lab's state into one SQLite store, and anomaly detection.

``Collector(lab, store).start()`` runs a ping mesh, a device sampler and background traffic;
``detect(store, topology, baseline, current)`` turns two windows into the ``SymptomReport`` an agent
sees; ``store.export(window, path)`` keeps a window as the evidence of record.
"""

from ._collector import Collector
from ._detect import Thresholds, detect, detect_pairs
from ._influx import MEASUREMENTS, export_influx, to_line_protocol
from ._mesh import HostEndpoint, PingMesh
from ._mirror import PHASES, InfluxSink, MirrorStats, MirrorTarget, StoreTail, public_url
from ._models import (
    BgpPeerRecord,
    FibRibSnapshot,
    InterfaceDelta,
    LogRecord,
    PairStats,
    ProbeRound,
    RoundTiming,
    RuleCounter,
    Window,
)
from ._report import (
    Anomaly,
    AnomalyKind,
    DataQuality,
    LeafAggregate,
    LeafPairAggregate,
    Severity,
    SpineAggregate,
    SymptomReport,
    SymptomSummary,
)
from ._store import EvidenceStore, default_store_path
from ._traffic import PROFILES, BackgroundTraffic, TrafficProfile

__all__ = [
    "MEASUREMENTS",
    "PHASES",
    "PROFILES",
    "Anomaly",
    "AnomalyKind",
    "BackgroundTraffic",
    "BgpPeerRecord",
    "Collector",
    "DataQuality",
    "EvidenceStore",
    "FibRibSnapshot",
    "HostEndpoint",
    "InfluxSink",
    "InterfaceDelta",
    "LeafAggregate",
    "LeafPairAggregate",
    "LogRecord",
    "MirrorStats",
    "MirrorTarget",
    "PairStats",
    "PingMesh",
    "ProbeRound",
    "RoundTiming",
    "RuleCounter",
    "Severity",
    "SpineAggregate",
    "StoreTail",
    "SymptomReport",
    "SymptomSummary",
    "Thresholds",
    "TrafficProfile",
    "Window",
    "default_store_path",
    "detect",
    "detect_pairs",
    "export_influx",
    "public_url",
    "to_line_protocol",
]
