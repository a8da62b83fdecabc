"""The versioned scenario campaign: the campaign file model and the scenario generator."""

from ._generate import (
    DEFAULT_CAMPAIGN,
    GENERATED_HEADER,
    generate_campaign,
    load_campaign,
    render_scenario,
    write_campaign,
)
from ._model import Campaign, FaultEntry, ScaleCounts, TargetSelector, Variant
from ._targets import RESOLVERS, Pick, candidates, resolve_params

__all__ = [
    "DEFAULT_CAMPAIGN",
    "GENERATED_HEADER",
    "RESOLVERS",
    "Campaign",
    "FaultEntry",
    "Pick",
    "ScaleCounts",
    "TargetSelector",
    "Variant",
    "candidates",
    "generate_campaign",
    "load_campaign",
    "render_scenario",
    "resolve_params",
    "write_campaign",
]
