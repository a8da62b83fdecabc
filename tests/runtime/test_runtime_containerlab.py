"""Containerlab backend: generated topology files validate against containerlab's own JSON schema, and
deploying without containerlab/Docker fails with one clear CapabilityError."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from pytest_netopsbench.errors import CapabilityError
from pytest_netopsbench.runtime import create_lab
from pytest_netopsbench.runtime.containerlab import ContainerlabLab, frr_conf, topology_dict
from pytest_netopsbench.topology import build_topology

# containerlab's published schema is not vendored: it comes from the workplace's shared/ folder,
# which sits beside the checkout (also in CI); NETOPSBENCH_CLAB_SCHEMA points elsewhere.
SCHEMA_PATH = Path(
    os.environ.get("NETOPSBENCH_CLAB_SCHEMA")
    or Path(__file__).resolve().parents[3] / "shared" / "schemas" / "clab.schema.json"
)


@pytest.fixture(scope="module")
def clab_schema() -> dict[str, object]:
    if not SCHEMA_PATH.exists():
        pytest.skip(f"containerlab schema not available at {SCHEMA_PATH}")
    schema: dict[str, object] = json.loads(SCHEMA_PATH.read_text())
    return schema


def _validate(doc: Mapping[str, Any], schema: dict[str, object]) -> None:
    # Validate without jsonschema's metaschema pass: containerlab's schema uses \p{N}/\p{L} in one
    # `ports` pattern, which Python's re cannot compile (and which our documents never use).
    validator_cls = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_cls(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("scale", ["xs", "m", "xl"])
def test_generated_topology_validates_against_the_clab_schema(
    scale: str,
    clab_schema: dict[str, object],
    tmp_path: Path,
) -> None:
    topo = build_topology(scale)
    doc = topology_dict(topo, name=f"clab-test-{scale}", conf_dir=tmp_path)
    _validate(doc, clab_schema)
    nodes = doc["topology"]["nodes"]
    assert set(nodes) == {d.name for d in topo.devices}
    assert len(doc["topology"]["links"]) == len(topo.links)
    assert all(n["kind"] == "linux" for n in nodes.values())
    assert nodes["spine1"]["image"].startswith("quay.io/frrouting/frr:10.")
    nodes["spine1"]["kind"] = "not-a-kind"  # the validation really bites
    with pytest.raises(AssertionError, match="not-a-kind"):
        _validate(doc, clab_schema)


def test_written_files_round_trip_and_bind_real_paths(
    clab_schema: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NETOPSBENCH_RUN_ROOT", str(tmp_path))
    lab = create_lab("xs", backend="containerlab", name="clabgen1")
    assert isinstance(lab, ContainerlabLab)
    path = lab.generate()
    doc = yaml.safe_load(path.read_text())
    _validate(doc, clab_schema)
    for node in doc["topology"]["nodes"].values():
        for bind in node.get("binds", []):
            assert Path(bind.split(":")[0]).is_file(), bind
    link_ends = {tuple(link["endpoints"]) for link in doc["topology"]["links"]}
    assert ("leaf1:eth1", "spine1:eth1") in link_ends and ("leaf1:eth3", "h1:eth1") in link_ends
    assert doc["topology"]["nodes"]["h1"]["exec"][-1] == "ip route replace default via 198.19.1.1 dev eth1"


def test_frr_conf_carries_addresses_and_bgp() -> None:
    topo = build_topology("xs")
    text = frr_conf(topo, topo.device("leaf1"))
    assert "interface eth1\n description spine1 eth1\n ip address 198.18.8.1/31\n" in text
    assert "interface lo\n ip address 198.18.1.1/32\n" in text
    assert "router bgp 65101" in text and "hostname leaf1" in text


@pytest.mark.skipif(shutil.which("containerlab") is not None, reason="containerlab is installed here")
def test_deploy_without_containerlab_is_one_clear_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NETOPSBENCH_RUN_ROOT", str(tmp_path))
    lab = create_lab("xs", backend="containerlab", name="clabgen2")
    with pytest.raises(CapabilityError, match=r"containerlab CLI is not installed.*--backend netns"):
        lab.deploy()
    assert not lab.run_dir.exists()  # nothing half-created
