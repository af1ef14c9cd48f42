"""The stores and the test fakes keep the signatures the engine's ports promise: mypy checks the types
where app/ wires the stores in (and `mypy tests/unit/fakes.py` the fakes); this checks the names,
kinds and defaults of every port method on every run, so a fake cannot drift from the real store.
That the engine imports no concrete store is tests/contract/test_layers.py's to check."""

from __future__ import annotations

import inspect
from typing import Any, Protocol

import pytest
from fakes import FakeCatalog, FakeJobStore, FakeMarketplace, FakeSafetyStore

from syncstore_cli.engine.ports import (
    CatalogPort,
    ImageUploadsPort,
    JobPort,
    ListingStatePort,
    MarketplaceClient,
    RollbackStatePort,
    SyncLogPort,
)
from syncstore_cli.store.catalog import CatalogStore
from syncstore_cli.store.jobs import JobStore
from syncstore_cli.store.safety import SafetyStore


def _methods(port: type[Any]) -> list[str]:
    names = set()
    for klass in port.__mro__:
        if klass in (Protocol, object) or Protocol not in klass.__mro__:
            continue
        names |= {name for name, value in vars(klass).items() if callable(value) and not name.startswith("_")}
    return sorted(names)


def _shape(function: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize(("port", "implementation"), [
    (CatalogPort, CatalogStore), (CatalogPort, FakeCatalog),
    (ListingStatePort, JobStore), (ListingStatePort, FakeJobStore),
    (JobPort, JobStore), (JobPort, FakeJobStore),
    (SyncLogPort, JobStore), (SyncLogPort, FakeJobStore),
    (ImageUploadsPort, JobStore), (ImageUploadsPort, FakeJobStore),
    (RollbackStatePort, SafetyStore), (RollbackStatePort, FakeSafetyStore),
    (MarketplaceClient, FakeMarketplace),
], ids=lambda value: value.__name__)
def test_each_implementation_keeps_its_ports_signatures(port: type[Any], implementation: type[Any]) -> None:
    methods = _methods(port)
    assert methods
    for name in methods:
        assert _shape(getattr(implementation, name)) == _shape(getattr(port, name)), name
