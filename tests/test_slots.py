"""``meetbot.nlu.slots.SlotFiller``: the entries an intent needs, from the question or the
conversation, and roles read as the people holding them, on the shipped knowledge base and on a
small one in ``tmp_path``."""

from __future__ import annotations

import pytest

from kbfactory import write_small_kb
from meetbot.answers.engine import Engine
from meetbot.domain.dialogue import NO_CONTEXT, Context
from meetbot.domain.route import Candidate, Mention
from meetbot.nlu.router import Router
from meetbot.nlu.slots import SlotFiller
from meetbot.store import load

SECRETARY_GENERAL = Mention("role", "osce-secretary-general", "secretary general", 100.0, 2, 4)


@pytest.fixture(scope="module")
def slots(shipped_engine: Engine) -> SlotFiller:
    return shipped_engine.router.slots


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SlotFiller:
    return Router(load(write_small_kb(tmp_path_factory.mktemp("kb")))).slots


def date(year: str, at: int = 5) -> Mention:
    return Mention("date", year, year, 100.0, at, at + 1)


def people(mentions: list[Mention]) -> list[str]:
    return [m.id for m in mentions if m.kind == "person"]


def test_role_resolves_to_its_holder_at_the_date_asked(slots: SlotFiller) -> None:
    assert people(slots.roles_as_people([SECRETARY_GENERAL, date("2023")])) == ["schmid"]
    assert people(slots.roles_as_people([SECRETARY_GENERAL, date("2025")])) == [
        "sinirlioglu"]


def test_role_without_a_date_resolves_to_its_latest_holder(slots: SlotFiller) -> None:
    assert people(slots.roles_as_people([SECRETARY_GENERAL])) == ["sinirlioglu"]


def test_role_resolves_to_the_holder_who_met_the_person_named(slots: SlotFiller) -> None:
    tokayev = Mention("person", "tokayev", "tokayev", 100.0, 5, 6)
    assert people(slots.roles_as_people([SECRETARY_GENERAL, tokayev])) == ["schmid",
                                                                          "tokayev"]


def test_she_takes_the_woman_of_the_conversation_first(slots: SlotFiller) -> None:
    ctx = Context(people=("kosherbayev", "telalian", "schmid"))
    carried = slots.from_context("person", "what did she say".split(), ctx)
    assert carried[0].id == "schmid"  # telalian's gender is not recorded
    him = slots.from_context("person", "what did he say".split(), Context(
        people=("schmid", "kosherbayev")))
    assert him[0].id == "kosherbayev"


def test_the_other_one_is_the_other_participant(slots: SlotFiller) -> None:
    ctx = Context(people=("kosherbayev", "kamp"))
    carried = slots.from_context("person", "and the other one".split(), ctx)
    assert carried[0].id == "kamp"


def test_it_is_read_as_the_organisation_of_the_conversation(slots: SlotFiller) -> None:
    words = "who heads it".split()
    resolved = slots.pronouns_as_slots(words, [], Context(orgs=("hcnm",)))
    assert resolved is not None
    assert [(m.kind, m.id) for m in resolved[1]] == [("org", "hcnm")]
    assert slots.pronouns_as_slots(words, [], NO_CONTEXT) is None  # a first question


def test_a_follow_up_takes_the_person_it_needs_from_the_conversation(
        slots: SlotFiller) -> None:
    candidate = Candidate("who_is", 1.0, "who is {person}")
    words = "who is she".split()
    carried = slots.fit(candidate, [], words, Context(people=("telalian",)), (), "")
    alone = slots.fit(candidate, [], words, NO_CONTEXT, (), "")
    assert carried.ids("person") == ["telalian"] and carried.from_context
    assert alone.ids("person") == [] and alone.confidence < carried.confidence


def test_an_unknown_name_lowers_confidence_more_than_an_ordinary_word(
        slots: SlotFiller) -> None:
    candidate = Candidate("meeting_date", 1.0, "when did {person} meet {person}")
    tokayev = [Mention("person", "tokayev", "tokayev", 100.0, 2, 3)]
    words = "when did tokayev meet someone".split()
    plain = slots.fit(candidate, tokayev, words, NO_CONTEXT, (), "")
    named = slots.fit(candidate, tokayev, words, NO_CONTEXT, ("macron",), "", ("macron",))
    ordinary = slots.fit(candidate, tokayev, words, NO_CONTEXT, ("weather",), "")
    assert named.confidence < ordinary.confidence < plain.confidence


def test_a_fuzzy_mention_lowers_confidence(slots: SlotFiller) -> None:
    candidate = Candidate("who_is", 1.0, "who is {person}")
    exact = [Mention("person", "kamp", "kamp", 100.0, 2, 3)]
    typo = [Mention("person", "kamp", "kammp", 80.0, 2, 3)]
    words = "who is kamp".split()
    assert (slots.fit(candidate, typo, words, NO_CONTEXT, (), "").confidence
            < slots.fit(candidate, exact, words, NO_CONTEXT, (), "").confidence)


def test_a_role_one_person_holds_reads_as_that_person(small: SlotFiller) -> None:
    minister = Mention("role", "valdoria-foreign-minister", "foreign minister", 100.0, 3, 5)
    assert people(small.roles_as_people([minister])) == ["valtonen"]
    assert people(small.roles_as_people([minister, date("2019")])) == ["valtonen"]


def test_a_question_naming_more_people_than_an_answer_speaks_of_is_less_likely(
        slots: SlotFiller) -> None:
    words = "was there a meeting between telalian and braathu".split()
    two = [Mention("person", "telalian", "telalian", 100.0, 4, 5),
           Mention("person", "braathu", "braathu", 100.0, 6, 7)]
    whom = Candidate("person_meetings", 1.0, "who did {person} meet")
    pair = Candidate("did_meet", 1.0, "did {person} meet {person}")
    assert slots.fit(whom, two, words, NO_CONTEXT, (), "").confidence < 1.0
    assert slots.fit(pair, two, words, NO_CONTEXT, (), "").confidence == 1.0
    assert slots.fit(whom, two[:1], words, NO_CONTEXT, (), "").confidence == 1.0


def test_a_wh_question_is_less_likely_an_intent_that_answers_yes_or_no(
        slots: SlotFiller) -> None:
    pair = [Mention("person", "kosherbayev", "kosherbayev", 100.0, 2, 3),
            Mention("person", "kamp", "kamp", 100.0, 4, 5)]
    did_meet = Candidate("did_meet", 1.0, "did {person} meet {person}")
    asked_where = slots.fit(did_meet, pair, "where did kosherbayev meet kamp".split(),
                            NO_CONTEXT, (), "")
    asked_whether = slots.fit(did_meet, pair, "did kosherbayev meet kamp".split(),
                              NO_CONTEXT, (), "")
    assert asked_where.confidence < asked_whether.confidence == 1.0


def test_he_after_a_question_about_a_post_is_the_person_holding_it(slots: SlotFiller) -> None:
    words = "what did he tell kamp".split()
    kamp = [Mention("person", "kamp", "kamp", 100.0, 4, 5)]
    resolved = slots.pronouns_as_slots(words, kamp, Context(roles=("kz-foreign-minister",)))
    assert resolved is not None
    assert [(m.kind, m.id) for m in resolved[1]] == [("person", "kosherbayev"),
                                                     ("person", "kamp")]


def test_a_pronoun_either_person_may_be_is_left_to_the_slots(slots: SlotFiller) -> None:
    two = Context(people=("tokayev", "schmid"))
    assert slots.pronouns_as_slots("what did she say".split(), [], two) == (
        "what did she say".split(), [Mention("person", "schmid", "(context)", 100.0, 2, 3)])
    assert slots.pronouns_as_slots("ол не айтты".split(), [], two) is None  # he or she
    assert slots.pronouns_as_slots("what did they say".split(), [], two) is None
