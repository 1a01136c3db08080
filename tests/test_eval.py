"""The question files: accuracy must not drop (the suite fails when it does)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meetbot.answers.engine import Engine
from meetbot.curation.evaluate import (
    evaluate,
    format_languages,
    format_report,
    load_questions,
    select,
)
from meetbot.store import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load(ROOT / "knowledge"))


@pytest.mark.parametrize(("name", "minimum", "decoys"), [
    ("questions.yaml", 0.90, 0.97),
    ("questions_holdout.yaml", 0.83, 0.95),
    ("questions_ru.yaml", 0.83, 0.95),
    ("questions_chat2.yaml", 0.80, 1.0),
])
def test_accuracy_on_question_file_does_not_drop(
        engine: Engine, name: str, minimum: float, decoys: float) -> None:
    items = load_questions(ROOT / "tests" / name)
    report = evaluate(engine, items)
    assert report.accuracy >= minimum, format_report(report)
    assert report.declined_correctly / report.decoys >= decoys, format_report(report)


@pytest.mark.parametrize(("split", "minimum"), [("dev", 0.84), ("test", 0.72)])
def test_accuracy_on_chat_style_questions_does_not_drop(
        engine: Engine, split: str, minimum: float) -> None:
    items = select(load_questions(ROOT / "tests" / "questions_chat.yaml"), split)
    report = evaluate(engine, items)
    assert report.accuracy >= minimum, format_report(report)
    assert report.declined_correctly == report.decoys, format_report(report)


def test_chat_style_questions_are_split_in_two_like_halves() -> None:
    items = load_questions(ROOT / "tests" / "questions_chat.yaml")
    dev, test = select(items, "dev"), select(items, "test")
    assert len(dev) + len(test) == len(items) >= 400
    for key in ("category", "lang"):
        assert {getattr(i, key) for i in dev} == {getattr(i, key) for i in test}


def test_question_file_has_the_required_mix() -> None:
    items = load_questions(ROOT / "tests" / "questions.yaml")
    assert len(items) >= 150
    out_of_scope = [i for i in items if i.category == "out_of_scope"]
    assert len(out_of_scope) >= 30
    assert any(len(i.turns) > 1 for i in items)



def test_accuracy_is_reported_per_language_over_files(engine: Engine) -> None:
    english, russian = (evaluate(engine, load_questions(ROOT / "tests" / name))
                        for name in ("questions_holdout.yaml", "questions_ru.yaml"))
    assert set(russian.by_language) == {"ru"}
    summary = format_languages([english, russian])
    assert re.search(rf"^\s+en\s+{english.passed}/{english.total}\s", summary, re.M)
    assert re.search(rf"^\s+ru\s+{russian.passed}/{russian.total}\s", summary, re.M)
