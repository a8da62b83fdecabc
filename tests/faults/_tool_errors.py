"""Every tool's error text against one device, and the check that it reads like the device's."""

from __future__ import annotations

import re
from typing import Any

from pytest_netopsbench.toolkit import Toolkit

from ._snapshot import FORBIDDEN

# A real device's error never names a path, a namespace, a socket or a harness step.
NOT_A_DEVICE = re.compile(r"/|netns|\bvty\b|socket|step:|LabError|is the lab up|exited \d", re.IGNORECASE)


def _arguments(props: dict[str, Any], device: str, is_host: bool, dst_ip: str) -> dict[str, Any] | None:
    args: dict[str, Any] = {}
    if "device" in props:
        args["device"] = device
    if "src" in props:
        if not is_host:
            return None  # ping/traceroute start on hosts
        args["src"], args["dst_ip"] = device, dst_ip
    if "count" in props:
        args["count"] = 1
    return args


def tool_errors(toolkit: Toolkit, device: str, dst_ip: str) -> dict[str, str]:
    """tool name -> every error text it returned for ``device`` (``call()`` errors and per-row
    ``error`` fields), for every tool that takes a device (plus the fleet-wide BGP view)."""
    is_host = not toolkit.topology.device(device).is_switch
    out: dict[str, str] = {}
    for spec in toolkit.tool_specs():
        props = spec.parameters.get("properties", {})
        if spec.name != "get_all_bgp_status" and "device" not in props and "src" not in props:
            continue
        args = _arguments(props, device, is_host, dst_ip)
        if args is None:
            continue
        result = toolkit.call(spec.name, args)
        texts = []
        if isinstance(result, dict) and isinstance(result.get("error"), dict):
            texts.append(str(result["error"].get("message", "")))
        if isinstance(result, dict):
            rows = result.get("switches") or []
            texts += [str(r["error"]) for r in rows if isinstance(r, dict) and r.get("error")]
        if texts:
            out[spec.name] = " | ".join(texts)
    return out


def harness_words(errors: dict[str, str], lab_name: str) -> list[str]:
    """Error texts that give the harness away."""
    return [
        f"{tool}: {text}"
        for tool, text in errors.items()
        if lab_name in text or NOT_A_DEVICE.search(text) or FORBIDDEN.search(text)
    ]
