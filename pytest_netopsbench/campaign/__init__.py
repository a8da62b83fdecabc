"""The versioned scenario campaign: the campaign file model and the scenario generator."""

from ._generate import (
    DEFAULT_CAMPAIGN,
    GENERATED_HEADER,
    generate_campaign,
    load_campaign,
    render_scenario,
    tier_folder,
    write_campaign,
)
from ._model import STANDARD_TIER, Campaign, FaultEntry, ScaleCounts, TargetSelector, Tier, Variant
from ._targets import RESOLVERS, Pick, candidates, resolve_params

__all__ = [
    "DEFAULT_CAMPAIGN",
    "GENERATED_HEADER",
    "RESOLVERS",
    "STANDARD_TIER",
    "Campaign",
    "FaultEntry",
    "Pick",
    "ScaleCounts",
    "TargetSelector",
    "Tier",
    "Variant",
    "candidates",
    "generate_campaign",
    "load_campaign",
    "render_scenario",
    "resolve_params",
    "tier_folder",
    "write_campaign",
]
