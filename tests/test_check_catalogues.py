"""`meetbot check` on message catalogues: what a language lacks is named, key by key.

Each test writes a small knowledge base in ``tmp_path`` and adds catalogues under
``knowledge/messages/``, as a curator adding a language would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kbfactory import MEETING_ID, write_small_kb
from meetbot.answers.engine import Engine
from meetbot.curation.check import warnings
from meetbot.errors import KnowledgeError, Problem
from meetbot.store import load

SERBIAN = """\
language: sr
name: Српски
messages:
  sources: "Извори"
  show_quote: "Прикажи цитат"
  not_covered: "То није у мојој бази знања: у њој су само састанци Казахстана са ОЕБС-ом."
  out_of_scope: "Жао ми је, то је ван онога што знам: одговарам само о тим састанцима."
"""
SERBIAN_KEYS = {"sources", "show_quote", "not_covered", "out_of_scope"}


def knowledge_with(tmp_path: Path, catalogues: dict[str, str]) -> Path:
    directory = write_small_kb(tmp_path / "knowledge")
    (directory / "messages").mkdir()
    for name, text in catalogues.items():
        (directory / "messages" / name).write_text(text, encoding="utf-8")
    return directory


def missing_keys(found: list[Problem], language: str) -> dict[str, Problem]:
    """The catalogue warnings for ``language``, by the key they name."""
    keys = {}
    for problem in found:
        match = re.match(rf"message '([^']+)' has no {language} text", problem.message)
        if match:
            keys[match.group(1)] = problem
    return keys


def test_every_english_key_missing_in_a_new_language_is_a_warning(tmp_path: Path) -> None:
    directory = knowledge_with(tmp_path, {"sr.yaml": SERBIAN})
    engine = Engine(load(directory))
    found = warnings(engine)
    serbian = missing_keys(found, "sr")
    english = set(engine.kb.catalogs["en"].messages)
    assert set(serbian) >= english - SERBIAN_KEYS
    assert not SERBIAN_KEYS & set(serbian)
    # English keeps the intents' replies and "did you mean" questions in intents.yaml
    assert {"reply.greet", "reply.help", "suggest.meeting_date"} <= set(serbian)
    assert "suggest.greet" not in serbian  # never shown as a "did you mean"
    problem = serbian["hide_quote"]
    assert problem.severity == "warning"
    assert problem.file.endswith("messages/sr.yaml") and problem.line == 3  # `messages:`
    assert str(problem).endswith("sr.yaml:3: warning: message 'hide_quote' has no sr text, "
                                 "so English is shown: 'Hide the quote'")
    assert not missing_keys(found, "ru")  # the shipped catalogues are complete
    assert not missing_keys(found, "kk")


def test_a_new_language_also_lists_names_and_texts_without_translation(
        tmp_path: Path) -> None:
    directory = knowledge_with(tmp_path, {"sr.yaml": SERBIAN})
    messages = [p.message for p in warnings(Engine(load(directory)))]
    assert "people 'valtonen' has no sr name (translations: {sr: ...})" in messages
    meeting = next(m for m in messages if m.startswith(f"meetings '{MEETING_ID}' has no sr"))
    assert "the title" in meeting and "the summary" in meeting and "topic '" in meeting


def test_a_key_added_in_english_is_reported_in_the_curators_catalogue(tmp_path: Path) -> None:
    directory = knowledge_with(tmp_path, {
        "en.yaml": 'language: en\nmessages:\n  welcome.note: "Ask me about the meetings."\n',
        "ru.yaml": 'language: ru\nmessages:\n  sources: "Источники"\n',
    })
    found = warnings(Engine(load(directory)))
    russian = missing_keys(found, "ru")
    assert list(russian) == ["welcome.note"]
    assert russian["welcome.note"].file.endswith("messages/ru.yaml")
    assert russian["welcome.note"].line == 2


def test_a_curators_catalogue_answers_in_its_language_without_code_change(
        tmp_path: Path) -> None:
    engine = Engine(load(knowledge_with(tmp_path, {"sr.yaml": SERBIAN})))
    assert "sr" in engine.kb.catalogs and engine.kb.catalogs["sr"].name == "Српски"
    answer = engine.ask("Какво је време у Астани?")  # a letter only Serbian uses: ј
    assert answer.lang == "sr" and not answer.answered
    assert ("То није у мојој бази знања" in answer.text
            or "Жао ми је, то је ван онога што знам" in answer.text)
    english = engine.ask("what is the weather in astana?")
    assert english.lang == "en" and "знања" not in english.text
    kazakh = engine.ask("Астанада ауа райы қандай?")  # the shipped Kazakh catalogue
    assert kazakh.lang == "kk" and not kazakh.answered


def test_a_date_pattern_babel_cannot_use_is_an_error_with_its_line(tmp_path: Path) -> None:
    directory = knowledge_with(tmp_path, {"sr.yaml": SERBIAN + (
        "date_formats:\n"
        "  day: \"d MMMM y h:mm\"\n")})
    with pytest.raises(KnowledgeError) as caught:
        load(directory)
    [problem] = caught.value.problems
    assert problem.file.endswith("sr.yaml")
    assert problem.line == len(SERBIAN.splitlines()) + 2
    assert "d MMMM y h:mm" in problem.message


def test_a_catalogue_with_a_misspelt_or_missing_key_names_it_with_its_line(
        tmp_path: Path) -> None:
    directory = knowledge_with(tmp_path, {"sr.yaml": SERBIAN + "mesages: {}\n",
                                          "uk.yaml": "name: Українська\n"})
    with pytest.raises(KnowledgeError) as caught:
        load(directory)
    found = {Path(problem.file).name: problem for problem in caught.value.problems}
    assert set(found) == {"sr.yaml", "uk.yaml"}
    assert found["sr.yaml"].line == len(SERBIAN.splitlines()) + 1
    assert found["sr.yaml"].message.startswith("unknown key 'mesages' (keys are: language,")
    assert found["uk.yaml"].message == "missing required key 'language'"
