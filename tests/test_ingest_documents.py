"""Drafts hold what a curator would write, and invent nothing, on the test documents.

``tests/documents/`` holds test documents in the style of official press releases (two of them,
in ``holdout/``, were not used to tune drafting) and, for each, the expected curation.
``tests/documents/measure.py`` ingests each into a copy of the shipped knowledge base and
scores its draft: for every kind, at least 90% of what the curator would write must be in
the draft, and nothing the curator would not write.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from kbfactory import PROJECT_ROOT

MEASURE = PROJECT_ROOT / "tests" / "documents" / "measure.py"
REQUIRED = 0.9


def load_measure() -> ModuleType:
    spec = importlib.util.spec_from_file_location("measure", MEASURE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["measure"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> dict[str, list[object]]:
    measured: dict[str, list[object]] = load_measure().measure()
    return measured


@pytest.mark.parametrize("name", ["documents", "held out"])
def test_drafts_hold_nine_tenths_of_each_kind_and_invent_nothing(
        results: dict[str, list[object]], name: str) -> None:
    measure = sys.modules["measure"]
    scores = results[name]
    assert len(scores) >= (4 if name == "documents" else 2)
    total = measure.total(scores)
    report = "\n".join(measure.table(name, scores))
    for kind in measure.KINDS:
        share = total.share(kind)
        assert share is None or share >= REQUIRED, f"{kind}: {share:.0%}\n{report}"
    assert not any(total.invented.values()), report
    assert total.title_ok, report
    assert total.valid, report
