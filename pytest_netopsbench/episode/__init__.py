"""One benchmark case end to end, and the context an agent receives."""

from ._agent import Agent, AgentCall, agent_name, call_agent, coerce_result
from ._context import DiagnosticContext, McpAccess, new_case_id
from ._lab import LabSession
from ._record import append_message, new_case_record, scenario_truth
from ._run import Episode, EpisodeSettings, InfraError, run_episode

__all__ = [
    "Agent",
    "AgentCall",
    "DiagnosticContext",
    "Episode",
    "EpisodeSettings",
    "InfraError",
    "LabSession",
    "McpAccess",
    "agent_name",
    "append_message",
    "call_agent",
    "coerce_result",
    "new_case_id",
    "new_case_record",
    "run_episode",
    "scenario_truth",
]
