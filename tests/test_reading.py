"""``meetbot.nlu.reading.read_evidence``: a routed question read as requirements (entries,
a period), the words of a query and how it asks (yes or no, why or how), with the facts found,
on the shipped knowledge base and on a small one in ``tmp_path``."""

from __future__ import annotations

from meetbot.answers.engine import Engine
from meetbot.domain.dialogue import NO_CONTEXT, Context
from meetbot.domain.route import Mention, Route
from meetbot.nlu.reading import EvidenceReading, read_evidence
from meetbot.nlu.router import Router


def reading(router: Router, question: str, ctx: Context | None = None) -> EvidenceReading:
    route = router.route(question, ctx)
    assert route is not None
    return router.read_evidence(route, ctx)


def test_a_yes_no_question_is_read_as_one(router: Router) -> None:
    read = reading(router, "did kosherbayev and sinirlioglu talk about regional security?")
    assert read.yes_no and not read.open_question
    assert read.best is not None and "regional security" in read.best.fact.cite.quote


def test_a_why_question_is_an_open_question(router: Router) -> None:
    read = reading(router, "why does kazakhstan see the osce as a priority?")
    assert read.open_question and not read.yes_no


def test_named_people_are_requirements_not_query_words(router: Router) -> None:
    read = reading(router, "what did kosherbayev say about peaceful coexistence")
    assert read.people == ("kosherbayev",)
    assert any(("person", "kosherbayev") in need for need in read.involving)
    assert "kosherbayev" not in read.query and {"peac", "coexist"} <= set(read.query)
    assert read.best is not None and "peaceful coexistence" in read.best.fact.cite.quote
    assert ("person", "kosherbayev") in read.best.fact.entities


def test_a_role_is_met_by_the_people_who_held_it(router: Router, shipped_engine: Engine) -> None:
    words = ("who", "was", "the", "secretary", "general")
    role = Mention("role", "osce-secretary-general", "secretary general", 100.0, 3, 5)
    route = Route("role_holder", 1.0, (role,), (), "", words=words)
    read = read_evidence(router.evidence, shipped_engine.kb, router.words, route, NO_CONTEXT)
    [need] = read.involving
    assert {("role", "osce-secretary-general"), ("person", "schmid"),
            ("person", "sinirlioglu")} <= need


def test_a_year_asked_about_is_the_period(router: Router) -> None:
    read = reading(router, "what was said about cooperation in 2025")
    assert read.period == "2025"
    assert read.hits and all(h.fact.date.startswith("2025") for h in read.hits if h.fact.date)


def test_the_words_of_a_role_named_in_part_are_asked_about_only_in_a_yes_no_question(
        router: Router) -> None:
    asked = reading(router, "did kosherbayev and braathu talk about media freedom?")
    assert {"media", "freedom"} <= set(asked.query)
    assert asked.best is not None and "freedom of the media" in asked.best.fact.cite.quote
    named = reading(router, "what did the media freedom guy discuss")
    assert "media" not in named.query and "braathu" in named.people


def test_a_follow_up_about_that_meeting_reads_the_meeting(router: Router) -> None:
    ctx = Context(meeting="kosherbayev-kamp-2025")
    read = reading(router, "was ethnic diversity raised at that meeting?", ctx)
    assert read.involving == (frozenset({("meeting", "kosherbayev-kamp-2025")}),)
    assert set(read.people) == {"kosherbayev", "kamp"}
    assert read.best is not None and "ethnic diversity" in read.best.fact.cite.quote


def test_fresh_counts_the_facts_words_that_no_phrasing_uses(router: Router) -> None:
    assert reading(router, "peaceful coexistence of different communities").fresh >= 2
    assert reading(router, "what did they discuss").fresh == 0


def test_nothing_the_facts_say_leaves_no_best_fact(router: Router) -> None:
    read = reading(router, "did tokayev and schmid discuss football?")
    assert read.best is None and read.yes_no
    assert read.content == read.leftover == frozenset(read.query)


def test_a_small_knowledge_bases_question_is_read(small_router: Router) -> None:
    read = reading(small_router, "did valtonen and okonkwo cover the early warning of floods?")
    assert read.yes_no and set(read.people) == {"valtonen", "okonkwo"}
    assert read.best is not None and read.best.fact.cite.quote == "the early warning of floods"
