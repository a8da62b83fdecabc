"""The reference agent (``--netopsbench-agent=reference``): a deterministic, non-LLM operator.

Its internals: typed facts (``_facts``), the tool walk (``_collect``), the rules (``_rules``,
``_routing``), the decision (``_decide``) and recorded tool answers for unit tests (``_recording``).
"""

from ._agent import ReferenceAgent, explain

__all__ = ["ReferenceAgent", "explain"]
