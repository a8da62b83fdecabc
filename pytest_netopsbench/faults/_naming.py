"""Names for what faults leave in a lab (passwords, prefix-lists, nft tables) that read like an
ordinary operator's, so nothing an agent can see points at the harness or says "fault"."""

from __future__ import annotations

import random

__all__ = ["FORBIDDEN_WORDS", "operator_password", "prefix_list_name"]

#: words that must never appear in anything a fault makes visible (checked by the label-leak test)
FORBIDDEN_WORDS = (
    "netopsbench",
    "nob-",
    "fault",
    "inject",
    "bench",
    "test",
    "harness",
    "pytest",
    "shaper",
    "impair",
    "chaos",
    "ground_truth",
    "scenario",
)

_WORDS = (
    "granite",
    "harbor",
    "falcon",
    "meadow",
    "copper",
    "willow",
    "summit",
    "orchid",
    "cobalt",
    "juniper",
    "lantern",
    "river",
    "ember",
    "quartz",
    "saffron",
    "tundra",
    "violet",
    "pebble",
)


def operator_password(rng: random.Random | None = None) -> str:
    """A password like ``Cobalt-river47`` (word, word, two digits)."""
    r = rng or random.SystemRandom()
    a, b = r.sample(_WORDS, 2)
    return f"{a.capitalize()}-{b}{r.randrange(10, 100)}"


def prefix_list_name(peer_label: str, direction: str = "OUT") -> str:
    """``PL-SPINES-OUT`` style: the naming convention many operators use for export filters."""
    clean = "".join(c for c in peer_label.upper() if c.isalnum() or c == "-") or "PEERS"
    return f"PL-{clean}-{direction.upper()}"
