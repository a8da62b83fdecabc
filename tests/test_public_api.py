"""The public surface holds what it promises: every name a public module lists in ``__all__``
resolves (the lazy PEP 562 ones too), and the top-level package exports exactly the names
docs/api.md documents."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import pytest_netopsbench

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _public_modules() -> list[str]:
    """Every module and package of pytest_netopsbench with no ``_``-prefixed part in its name."""
    found = ["pytest_netopsbench"]
    for info in pkgutil.walk_packages(pytest_netopsbench.__path__, "pytest_netopsbench."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            found.append(info.name)
    return sorted(found)


PUBLIC = _public_modules()


def test_the_walk_finds_the_packages() -> None:
    # a broken walk (wrong path, everything filtered) would make the next test vacuous
    assert {"pytest_netopsbench.faults", "pytest_netopsbench.sdk", "pytest_netopsbench.report"} <= set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_name_in_all_resolves(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what the module does not have: {missing}"


def _documented_top_level() -> set[str]:
    """The names of the ``from pytest_netopsbench import (...)`` block in docs/api.md."""
    text = API_DOC.read_text()
    block = re.search(r"^from pytest_netopsbench import \((.*?)^\)", text, re.M | re.S)
    assert block is not None, f"{API_DOC} has no `from pytest_netopsbench import (...)` block"
    names = set()
    for line in block.group(1).splitlines():
        code = line.split("#", 1)[0].strip().rstrip(",")
        if code:
            names.add(code)
    return names


def test_top_level_api_is_what_the_docs_say() -> None:
    documented, exported = _documented_top_level(), set(pytest_netopsbench.__all__)
    assert not documented - exported, (
        f"docs/api.md documents names the package does not export: {sorted(documented - exported)}"
    )
    assert not exported - documented, (
        f"the package exports names docs/api.md does not document: {sorted(exported - documented)}"
    )
    assert sorted(dir(pytest_netopsbench)) == sorted(exported)
