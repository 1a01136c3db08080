"""``explain``: each stage of understanding a question, re-run faithfully, and its text."""

from __future__ import annotations

import json
import re

import pytest

from meetbot.answers.engine import Engine
from meetbot.answers.explain import Explanation, explain, render_explanation
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import NO_CONTEXT, Context
from meetbot.lang.normalize import MAX_QUESTION_CHARS

CONVERSATIONS = (
    ("when did the president meet helga schmid?", "which topics came up?",
     "and what about kamp?", "did they mention the summit?"),
    ("good evening - who leads odihr these days?", "who held the post in 2023?"),
    ("kto vozglavlyaet bdipch?", "Когда Кошербаев встречался с Телалиан?"),
    ("did telalian discuss elections with kosherbayev?",
     "did tokayev speak about democratic development?",
     "what platform did tokayev mention"),
    ("hello", "what is the capital of peru?", "how tall is tokayev?",
     "who is angela merkel", "zzkv plorb", "?!", "x" * (MAX_QUESTION_CHARS + 20)),
    ("how many meetings do you know of", "list the meetings of 2025", "schmid hed"),
)
"""Turns of conversations, each asked in the context the one before it left."""
EVIDENCE_INTENTS = frozenset({"evidence", "passage"})
KINDS = {
    "reply": {"smalltalk"},
    "structured": {"answer", "negative"},
    "yes": {"answer"},
    "evidence": {"answer"},
    "no": {"negative"},
    "unstated": {"decline"},
    "out_of_scope": {"decline"},
    "clarify": {"clarify"},
    "decline": {"decline"},
    "invalid": {"invalid"},
}
"""The kinds of answer each choice leads to."""


def asked(engine: Engine) -> list[tuple[Explanation, Answer]]:
    """Every turn of :data:`CONVERSATIONS`, explained and answered in the same context."""
    out = []
    for turns in CONVERSATIONS:
        context: Context = NO_CONTEXT
        for question in turns:
            explanation = explain(engine, question, context)
            answer = engine.ask(question, context)
            out.append((explanation, answer))
            context = answer.context
    return out


def test_the_explanation_agrees_with_the_answer_for_varied_questions(
        shipped_engine: Engine) -> None:
    turns = asked(shipped_engine)
    choices = {explanation.choice for explanation, _ in turns}
    assert {"structured", "yes", "no", "evidence", "unstated", "out_of_scope", "clarify",
            "decline", "reply", "invalid"} <= choices, "the questions cover every choice"
    for explanation, answer in turns:
        where = (answer.question, explanation.choice, answer.kind, answer.intent)
        assert explanation.question == answer.question, where
        assert explanation.route == answer.route, where
        assert answer.kind in KINDS[explanation.choice], where
        if explanation.choice in ("reply", "structured"):
            assert answer.intent == explanation.intent, where
        elif explanation.choice in ("yes", "evidence", "no"):
            assert answer.intent in EVIDENCE_INTENTS, where
        elif explanation.choice == "out_of_scope":
            assert answer.intent == explanation.intent == "out_of_scope", where
        else:
            assert answer.intent is None, where


def test_every_stage_is_shown_in_order(shipped_engine: Engine) -> None:
    explanation = explain(shipped_engine, "did telalian discuss elections with kosherbayev?")
    assert [stage.name for stage in explanation.stages] == [
        "clean and language", "normalised", "entities", "intents", "slots", "evidence",
        "policy"]
    text = render_explanation(explanation)
    assert text.startswith("question: 'did telalian discuss elections with kosherbayev?'\n"
                           "decision: yes (meeting_topics)")
    assert re.search(r"^\s+person\s+telalian\s+'telalian' \(match 100\)$", text, re.M)
    assert re.search(r"^\s+person\s+kosherbayev\s+'kosherbayev' \(match 100\)$", text, re.M)
    assert re.search(r"^\s+\d\.\d\d\s+meeting_topics\s+\(closest phrasing: '.+'\)$", text,
                     re.M)
    assert "intent: meeting_topics, confidence " in text
    assert re.search(r"^\s+query: (\w+ \d\.\d\d, )*elect\w* \d\.\d\d", text, re.M), text
    assert "asks: yes/no" in text


def test_the_choice_says_why_with_the_figures_it_weighed(shipped_engine: Engine) -> None:
    yes = explain(shipped_engine, "did telalian discuss elections with kosherbayev?")
    assert re.fullmatch(r"yes/no question with a fact \(topic\) covering 1\.00 ≥ 0\.75",
                        yes.reason), yes.reason
    assert f"choice: yes — {yes.reason}" in yes.stage("policy").lines
    no = explain(shipped_engine, "did tokayev speak about democratic development?")
    assert no.choice == "no"
    assert re.fullmatch(r"yes/no question, and the best fact covers only 0\.\d\d < 0\.75: "
                        r"what the sources do record", no.reason), no.reason
    unsure = explain(shipped_engine, "schmid hed")
    assert unsure.choice == "clarify"
    assert re.fullmatch(r"unsure: \w+ at 0\.\d\d, between 0\.40 and 0\.60", unsure.reason)
    [then] = [line for line in unsure.stage("policy").lines if line.startswith("then: ")]
    assert then.startswith("then: did you mean: ") and "Schmid" in then


def test_evidence_shows_the_top_three_facts_with_their_quotes_cut_short(
        shipped_engine: Engine) -> None:
    explanation = explain(shipped_engine, "what platform did tokayev mention")
    evidence = explanation.stage("evidence")
    hits = evidence.fields["hits"]
    assert 1 <= len(hits) <= 3
    assert hits[0]["coverage"] >= 0.75 and "platform" in hits[0]["matched"]
    assert all(len(hit["quote"]) <= 80 for hit in hits)
    facts = [line for line in evidence.lines if re.match(r"\s+\d\. \w+\s+covers", line)]
    assert len(facts) == len(hits)
    assert re.match(r"\s+1\. \w+\s+covers 1\.00, matched: .*platform", facts[0])
    quotes = [line.strip() for line in evidence.lines if line.strip().startswith("“")]
    assert len(quotes) == len(hits) and all(len(q) <= 82 for q in quotes)
    assert any(q.endswith("…”") for q in quotes), "a long quote is cut short"
    assert re.search(r"support: \d\.\d\d; confidence with support: \d\.\d\d",
                     "\n".join(evidence.lines))


def test_russian_typed_in_latin_letters_is_shown_as_read(shipped_engine: Engine) -> None:
    lines = explain(shipped_engine, "kto vozglavlyaet bdipch?").stage(
        "clean and language").lines
    assert "language: ru" in lines
    assert "typed in Latin letters, read as: 'кто возглавляет bdipch' (ru)" in lines


def test_small_talk_dropped_is_shown(shipped_engine: Engine) -> None:
    explanation = explain(shipped_engine, "good evening - who leads odihr these days?")
    lines = explanation.stage("normalised").lines
    assert "small talk dropped: good evening (read: 'who leads odihr these days')" in lines
    assert explanation.stage("normalised").fields["small_talk"] == ["good evening"]
    plain = explain(shipped_engine, "who leads odihr these days?").stage("normalised")
    assert not any("small talk" in line for line in plain.lines)


def test_a_follow_up_is_explained_in_the_context_it_was_asked_in(
        shipped_engine: Engine) -> None:
    first = shipped_engine.ask("when did the president meet helga schmid?")
    follow_up = "which topics came up?"
    within = render_explanation(explain(shipped_engine, follow_up, first.context))
    assert re.search(r"^\s+person\s+tokayev\s+from context", within, re.M)
    assert re.search(r"^\s+person\s+schmid\s+from context", within, re.M)
    assert "slots filled from the conversation" in within
    alone = render_explanation(explain(shipped_engine, follow_up))
    assert "entities: none" in alone
    assert "from context" not in alone


def test_text_that_cannot_be_read_is_explained_so(shipped_engine: Engine) -> None:
    long = explain(shipped_engine, "who is " + "very " * 120 + "tall?")
    assert long.choice == "invalid" and long.route is None
    assert re.fullmatch(rf"longer than {MAX_QUESTION_CHARS} characters \(\d+\): not read",
                        long.reason)
    assert [stage.name for stage in long.stages] == ["clean and language"]
    empty = explain(shipped_engine, " ?! ")
    assert (empty.choice, empty.reason) == ("invalid", "no words to read")


def test_json_holds_every_stage_and_the_decision(shipped_engine: Engine) -> None:
    explanation = explain(shipped_engine, "kto vozglavlyaet bdipch?")
    data = json.loads(json.dumps(explanation.as_dict(), ensure_ascii=False))
    assert data["question"] == "kto vozglavlyaet bdipch?"
    assert (data["language"], data["intent"], data["choice"]) == ("ru", "org_head",
                                                                  "structured")
    stages = {stage["name"]: stage for stage in data["stages"]}
    assert stages["clean and language"]["read_as"] == "кто возглавляет bdipch"
    assert stages["entities"]["mentions"] == [
        {"kind": "org", "id": "odihr", "text": "bdipch", "score": 100.0, "partial": False}]
    assert stages["intents"]["candidates"][0]["intent"] == "org_head"
    assert stages["slots"]["confidence"] == pytest.approx(explanation.route.confidence
                                                          if explanation.route else -1)
    assert stages["policy"]["choice"] == "structured"


def test_a_preamble_before_the_question_word_is_shown_dropped(shipped_engine: Engine) -> None:
    explanation = explain(shipped_engine, "hey sorry, dumb q but like who is jan braathu?")
    stage = explanation.stage("normalised")
    dropped = "preamble dropped: hey sorry dumb q but like (the question begins at 'who')"
    assert dropped in stage.lines
    assert explanation.choice == "structured"
