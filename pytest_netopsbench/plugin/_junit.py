"""JUnit XML (``--junitxml``): run-level testsuite properties and a ``<scale>.<fault_type>``
classname per case, so CI tools group cases usefully and find each case's trace.

Both are set on the controller, where pytest's junitxml plugin lives (under xdist the workers
have none: ``record_testsuite_property`` and ``record_xml_attribute`` are no-ops there)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

__all__ = ["add_suite_properties", "set_classname"]


def _junit(config: pytest.Config) -> Any:
    # pytest registers its LogXML instance without a name; it is the plugin that records
    # testsuite properties (the same object ``record_testsuite_property`` writes to)
    for plugin in config.pluginmanager.get_plugins():
        if hasattr(plugin, "add_global_property") and hasattr(plugin, "node_reporter"):
            return plugin
    return None


def case_classname(data: dict[str, Any]) -> str:
    """``xs.link_down``, ``xs.healthy``: scale then expected fault type (canonical name)."""
    from ..report import CaseRecord
    from ..scoring import case_fault_type

    fault_type = case_fault_type(CaseRecord.model_validate(data))
    if fault_type not in ("healthy", "unknown"):
        from ..faults import normalize_fault_type

        # a type this process does not know keeps the scenario's spelling
        with contextlib.suppress(KeyError, ValueError):
            fault_type = normalize_fault_type(fault_type)
    return f"{data.get('scale', 'unknown')}.{fault_type}"


def set_classname(config: pytest.Config, report: pytest.TestReport, data: dict[str, Any]) -> None:
    """Before junitxml handles ``report``: pytest keeps attributes set on the test case's node
    reporter over the ones it derives from the node id (``scenarios.xs-….yaml``)."""
    xml = _junit(config)
    if xml is not None:
        xml.node_reporter(report).add_attribute("classname", case_classname(data))


def add_suite_properties(config: pytest.Config, properties: dict[str, str]) -> None:
    """Testsuite ``<properties>``; called before junitxml writes the file at session finish."""
    xml = _junit(config)
    if xml is None:
        return
    for name, value in properties.items():
        xml.add_global_property(f"netopsbench.{name}", value)
