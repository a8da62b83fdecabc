"""Example agents, importable from a checkout (the repository root is on ``sys.path`` under pytest
through the ``pythonpath`` ini setting). Not part of the installed package: the built-in agents are
:mod:`pytest_netopsbench.agents` (``--netopsbench-agent=reference``, ``llm``, ``baseline-healthy``,
``baseline-worst-pair``).

- ``agents.link_check:LinkCheckAgent``: the agent docs/agents.md builds, step by step;
- ``agents.mcp_example:McpExampleAgent``: works a case only through the case's MCP server.
"""
