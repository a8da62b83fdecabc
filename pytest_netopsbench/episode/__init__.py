"""One benchmark case end to end, and the context an agent receives."""

from ._agent import Agent, AgentCall, AgentRunner, agent_name, call_agent, coerce_result, result_call
from ._baselines import run_baselines
from ._context import DiagnosticContext, McpAccess, new_case_id
from ._lab import LabSession
from ._record import append_message, new_case_record, scenario_truth
from ._run import Episode, EpisodeSettings, InfraError, run_episode

__all__ = [
    "Agent",
    "AgentCall",
    "AgentRunner",
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
    "result_call",
    "run_baselines",
    "run_episode",
    "scenario_truth",
]
