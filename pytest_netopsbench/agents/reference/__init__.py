"""The reference agent (``--netopsbench-agent=reference``): a deterministic, non-LLM operator.

Its internals: typed facts (``_facts``, ``_routing_facts``), the tool walk (``_collect``), the rules
(``_rules``, ``_filter_rules``, ``_routing``), the decision (``_decide``) and recorded tool answers
for unit tests (``_recording``).
"""

from ._agent import ReferenceAgent, explain

__all__ = ["ReferenceAgent", "explain"]
