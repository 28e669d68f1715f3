"""The import layers of pyproject.toml (checked by `lint-imports` in `make lint`) name the modules of
core, accounts and audit one by one, because the base is split across them. A module missing from
the list would escape the contract silently, so every one must be placed in a layer."""

import pkgutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPLIT_PACKAGES = ("core", "accounts", "audit")


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == contract_id]
    return contract


def _layered_modules() -> set[str]:
    names = set()
    for layer in _contract("layers")["layers"]:
        for separator in ("|", ":"):
            layer = layer.replace(separator, " ")
        names.update(layer.split())
    return names


@pytest.mark.parametrize("package", SPLIT_PACKAGES)
def test_every_module_of_the_split_base_packages_is_in_a_layer(package):
    layered = _layered_modules()
    if package in layered:
        return  # the whole package is one layer
    modules = {f"{package}.{info.name}" for info in pkgutil.iter_modules([str(ROOT / package)])}
    assert modules, package
    assert sorted(modules - layered) == []
