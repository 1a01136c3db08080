"""`meetbot check` on the shipped knowledge base: no warnings, and FAQ answers that say whose
words they quote."""

from __future__ import annotations

from meetbot.answers.engine import Engine
from meetbot.curation.check import warnings


def test_the_shipped_knowledge_base_has_no_warnings(shipped_engine: Engine) -> None:
    assert [str(p) for p in warnings(shipped_engine)] == []


def test_an_answer_to_what_the_high_commissioner_said_names_the_minister_as_speaker(
        shipped_engine: Engine) -> None:
    # The source quotes Kosherbayev, meeting Kamp, on ethnic diversity and interethnic
    # harmony, and nothing Kamp said about it: an answer quoting those words must say whose
    # they are, and not give them as Kamp's.
    answer = shipped_engine.ask("what did the hcnm say about interethnic harmony?")
    assert answer.citations, answer.text
    assert any("a diverse society is a strength" in c.quote for c in answer.citations)
    assert "Kosherbayev's words, not High Commissioner Kamp's" in answer.text
