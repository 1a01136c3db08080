"""Loading the knowledge base, answering from it, and the evidence behind every answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kbfactory import (
    MEETING_DATE_TEXT,
    PROJECT_ROOT,
    REAL_KNOWLEDGE,
    SOURCE_ID,
    SOURCE_URL,
    append,
    write_small_kb,
)
from meetbot.answers.engine import Engine
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import squash_whitespace
from meetbot.store import load
from meetbot.store.directory import fingerprint

QUESTION_FILES = (PROJECT_ROOT / "tests" / "questions.yaml",
                  PROJECT_ROOT / "tests" / "questions_holdout.yaml")


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine(load(write_small_kb(tmp_path_factory.mktemp("small") / "kb")))


def _conversations() -> Iterator[list[str]]:
    """Every question (as one-turn or multi-turn conversations) from the question files."""
    for path in QUESTION_FILES:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            turns: list[dict[str, Any]] = item.get("conversation") or [item]
            yield [str(turn["q"]) for turn in turns]


def _ask_all(engine: Engine, conversations: list[list[str]]) -> Iterator[Answer]:
    for turns in conversations:
        context = Context()
        for question in turns:
            answer = engine.ask(question, context)
            context = answer.context
            yield answer


def _assert_citations_verbatim(kb: KnowledgeBase, answers: list[Answer]) -> int:
    checked = 0
    for answer in answers:
        for citation in answer.citations:
            doc = kb.sources[citation.source]
            where = f"{answer.question!r} cites {citation.source}"
            assert squash_whitespace(citation.quote) in squash_whitespace(doc.text), where
            assert citation.title == doc.meta.title, where
            assert citation.publisher == doc.meta.publisher, where
            assert citation.url == doc.meta.url, where
            assert citation.date == doc.meta.published, where
            checked += 1
    return checked


# -- the shipped knowledge base -------------------------------------------------------------
def test_shipped_knowledge_base_loads(shipped_kb: KnowledgeBase) -> None:
    assert len(shipped_kb.sources) == 2
    assert shipped_kb.people and shipped_kb.meetings and shipped_kb.faq and shipped_kb.intents
    for doc in shipped_kb.sources.values():
        on_disk = (REAL_KNOWLEDGE / doc.meta.file).read_text(encoding="utf-8")
        assert doc.text == on_disk, f"{doc.meta.file} is not served verbatim"
    for meeting in shipped_kb.meetings.values():
        assert set(meeting.participants) <= set(shipped_kb.people)
    assert shipped_kb.fingerprint == fingerprint(REAL_KNOWLEDGE)


def test_knowledge_base_is_read_only(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(TypeError):
        shipped_kb.people["intruder"] = shipped_kb.people["schmid"]  # type: ignore[index]
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        shipped_kb.people["schmid"].name = "Someone Else"  # type: ignore[misc]


def test_where_points_at_the_defining_line(shipped_kb: KnowledgeBase) -> None:
    where = shipped_kb.where("people", "schmid")
    assert where.file.endswith("people.yaml") and where.line is not None
    lines = (REAL_KNOWLEDGE / "people.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[where.line - 1].strip() == "- id: schmid"


def test_every_citation_of_every_answer_is_in_its_source(shipped_kb: KnowledgeBase,
                                                        shipped_engine: Engine) -> None:
    answers = list(_ask_all(shipped_engine, list(_conversations())))
    assert len(answers) > 150
    checked = _assert_citations_verbatim(shipped_kb, answers)
    assert checked > 150, "too few citations to mean anything"


def test_declined_answers_cite_nothing(shipped_engine: Engine) -> None:
    for question in ("who is the president of france?", "what is the price of bitcoin",
                     "who is Zorblax Quimby?", "", "?!", "x" * 2000):
        answer = shipped_engine.ask(question)
        assert not answer.answered, question
        assert answer.citations == (), question
        assert answer.text.strip(), f"{question!r} got an empty reply"


@pytest.mark.parametrize("question", ["what is the weather today", "tell me a joke",
                                      "who won the world cup"])
def test_out_of_scope_phrasing_is_declined_not_redirected(shipped_engine: Engine,
                                                           question: str) -> None:
    answer = shipped_engine.ask(question)
    assert not answer.answered
    assert answer.kind == "decline"
    assert answer.suggestions == ()


# -- the small knowledge base -----------------------------------------------------------------
def test_small_knowledge_base_loads(small_kb: Path, shipped_kb: KnowledgeBase) -> None:
    kb = load(small_kb)
    assert list(kb.sources) == [SOURCE_ID]
    assert set(kb.people) == {"valtonen", "okonkwo"}
    assert set(kb.roles) == {"valdoria-foreign-minister", "nwc-director-general"}
    assert set(kb.organizations) == {"valdoria", "nwc"}
    assert list(kb.events) == ["lakeside-dialogue"]
    assert list(kb.meetings) == ["valtonen-okonkwo-2024"]
    assert list(kb.faq) == ["monitoring-stations"]
    assert set(kb.intents) == set(shipped_kb.intents)


@pytest.mark.parametrize("question", ["When did Valtonen meet Okonkwo?",
                                      "when did valtonnen meet okonkow",
                                      "when did ingrid valtonen and tomasz okonkwo meet"])
def test_meeting_date_is_answered_and_cited(small_engine: Engine, question: str) -> None:
    answer = small_engine.ask(question)
    assert answer.answered
    assert answer.intent == "meeting_date"
    assert MEETING_DATE_TEXT in answer.text
    assert "Valtonen" in answer.text and "Okonkwo" in answer.text
    assert answer.citations
    assert {c.source for c in answer.citations} == {SOURCE_ID}
    assert all(c.url == SOURCE_URL for c in answer.citations)
    assert 0.0 <= answer.confidence <= 1.0


def test_follow_up_uses_the_previous_turn(small_engine: Engine) -> None:
    first = small_engine.ask("when did valtonen meet okonkwo")
    follow_up = small_engine.ask("what did they discuss?", first.context)
    assert follow_up.answered and follow_up.intent == "meeting_topics"
    assert "Nordra river basin" in follow_up.text
    assert "early warning of floods" in follow_up.text
    alone = small_engine.ask("what did they discuss?")
    assert not alone.answered


def test_statement_and_faq_are_answered_with_quotes(small_engine: Engine) -> None:
    said = small_engine.ask("what did valtonen say?")
    assert said.answered and said.intent == "statements"
    assert "share every flood forecast" in said.text
    faq = small_engine.ask("who will fund the new monitoring stations?")
    assert faq.answered and faq.intent == "faq:monitoring-stations"
    assert faq.citations and faq.citations[0].source == SOURCE_ID


@pytest.mark.parametrize("question", ["who is Zorblax Quimby?",
                                      "who is tokayev?",
                                      "when did valtonen meet putin?"])
def test_unknown_entity_is_declined(small_engine: Engine, question: str) -> None:
    answer = small_engine.ask(question)
    assert not answer.answered
    assert answer.citations == ()
    assert MEETING_DATE_TEXT not in answer.text, "nothing invented from the one meeting"


def test_small_kb_citations_are_in_the_source(small_engine: Engine) -> None:
    questions = [["who is valtonen"], ["who heads the NWC"], ["what is NWC"],
                 ["whom did okonkwo meet"], ["what is the lakeside dialogue"],
                 ["list the meetings"], ["did valtonen meet okonkwo"],
                 ["when did valtonen meet okonkwo", "what did they discuss"],
                 ["what did okonkwo say about monitoring stations"]]
    answers = list(_ask_all(small_engine, questions))
    assert all(a.answered for a in answers), [a.question for a in answers if not a.answered]
    assert _assert_citations_verbatim(small_engine.kb, answers) >= len(answers)


# -- fingerprint --------------------------------------------------------------------------------
SMALL_KB_FILES = ["sources.yaml", "people.yaml", "roles.yaml", "organizations.yaml",
                  "events.yaml", "meetings.yaml", "faq.yaml", "intents.yaml",
                  "sources/test-note.txt"]


@pytest.mark.parametrize("name", SMALL_KB_FILES)
def test_fingerprint_changes_on_any_edit(small_kb: Path, name: str) -> None:
    before = fingerprint(small_kb)
    assert load(small_kb).fingerprint == before
    path = small_kb / name
    path.write_bytes(path.read_bytes())  # saved unchanged: same fingerprint
    assert fingerprint(small_kb) == before
    append(path, "# an edit\n" if name.endswith(".yaml") else "An added sentence.\n")
    assert fingerprint(small_kb) != before


def test_fingerprint_changes_when_a_file_is_added_or_removed(small_kb: Path) -> None:
    before = fingerprint(small_kb)
    extra = small_kb / "extra.yaml"
    extra.write_text("faq: []\n", encoding="utf-8")
    with_extra = fingerprint(small_kb)
    assert with_extra != before
    extra.unlink()
    assert fingerprint(small_kb) == before
    (small_kb / "sources" / "another.txt").write_text("More text.\n", encoding="utf-8")
    assert fingerprint(small_kb) != before


def test_a_rule_that_cannot_apply_is_an_error_not_a_silent_no_op() -> None:
    """A constraint on a type it cannot constrain would let bad values through unnoticed."""
    from typing import Annotated

    from meetbot.domain.schema import PartialDate, Rule
    from meetbot.store.validation import validated

    with pytest.raises(TypeError, match="str or list"):
        validated(Annotated[str | None, Rule(pattern="^a")], "b")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str or list"):
        validated(Annotated[PartialDate, Rule(max_length=4)], "2023-06-07")  # type: ignore[arg-type]
    assert validated(Annotated[str, Rule(pattern="^a")], "abc") == "abc"  # type: ignore[arg-type]
