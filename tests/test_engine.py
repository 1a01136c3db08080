"""The engine on the shipped knowledge base: what a person asking would see."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from meetbot.answers.engine import Engine
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.lang.normalize import MAX_QUESTION_CHARS, squash_whitespace
from meetbot.render import to_json, to_plain
from meetbot.store import load

ROOT = Path(__file__).resolve().parents[1]
AKORDA = "akorda-2023-06-07"
KT = "kt-2025-12-06"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load(ROOT / "knowledge"))


def ask(engine: Engine, *questions: str) -> Answer:
    """Ask the questions as one conversation; return the last answer."""
    context = Context()
    answer = None
    for question in questions:
        answer = engine.ask(question, context)
        context = answer.context
    assert answer is not None
    return answer


def sources(answer: Answer) -> set[str]:
    return {c.source for c in answer.citations}


@pytest.mark.parametrize(("question", "intent", "needles", "source"), [
    ("when did tokaev meet shmid", "meeting_date", ["7 June 2023"], AKORDA),
    ("whom did kosherbaev meet?", "person_meetings",
     ["Sinirlioglu", "Telalian", "Braathu", "Kamp"], KT),
    ("who heads ODIHR?", "org_head", ["Telalian"], KT),
    ("what does HCNM stand for", "org_info", ["High Commissioner on National Minorities"], KT),
    ("what did Kosherbayev and Kamp discuss", "meeting_topics", ["ethnic diversity"], KT),
    ("who said a diverse society is a strength", "who_said", ["Kosherbayev"], KT),
    ("how many meetings did kosherbayev hold", "count_meetings", ["4"], KT),
    ("list the meetings in 2023", "list_meetings", ["Schmid"], AKORDA),
    ("who is christophe kamp", "who_is", ["High Commissioner"], KT),
    ("what is the Astana International Forum?", "event_info", ["West", "East"], AKORDA),
])
def test_answers_each_question_class_with_its_citation(
        engine: Engine, question: str, intent: str, needles: list[str], source: str) -> None:
    answer = engine.ask(question)
    assert answer.answered, answer.text
    assert answer.intent == intent
    for needle in needles:
        assert needle in answer.text
    assert source in sources(answer)


def test_every_citation_quote_occurs_verbatim_in_its_source(engine: Engine) -> None:
    import yaml

    items = yaml.safe_load((ROOT / "tests" / "questions.yaml").read_text(encoding="utf-8"))
    texts = {sid: doc.flat for sid, doc in engine.kb.sources.items()}
    checked = 0
    for item in items:
        for turn in item.get("conversation") or [item]:
            answer = engine.ask(turn["q"])
            for citation in answer.citations:
                assert squash_whitespace(citation.quote) in texts[citation.source]
                checked += 1
    assert checked > 200


def test_who_is_the_secretary_general_answers_from_the_most_recent_source(
        engine: Engine) -> None:
    answer = engine.ask("who is the osce secretary general?")
    first_line = answer.text.splitlines()[0]
    assert "Sinirlioglu" in first_line and "6 December 2025" in first_line
    assert "Schmid" in answer.text  # and says who held it earlier


def test_who_was_the_secretary_general_in_2023_answers_for_that_date(engine: Engine) -> None:
    answer = engine.ask("who was the OSCE Secretary General in 2023?")
    assert "Helga Schmid" in answer.text
    assert "Sinirlioglu" not in answer.text


def test_role_at_a_date_the_sources_do_not_cover_says_so(engine: Engine) -> None:
    answer = engine.ask("who was the OSCE secretary general in 2015?")
    assert "do not" in answer.text
    assert answer.kind == "negative"


def test_follow_up_resolves_they_against_the_previous_turn(engine: Engine) -> None:
    answer = ask(engine, "when did tokaev meet shmid", "what did they discuss?")
    assert answer.intent == "meeting_topics"
    assert "cooperation between Kazakhstan and the OSCE" in answer.text
    assert sources(answer) == {AKORDA}


def test_follow_up_she_picks_the_woman_of_the_previous_turn(engine: Engine) -> None:
    answer = ask(engine, "when did Tokayev meet Helga Schmid?", "what did she say?")
    assert "Helga Schmid said" in answer.text
    assert "Tokayev said" not in answer.text


def test_follow_up_after_a_role_answer_refers_to_its_holder(engine: Engine) -> None:
    answer = ask(engine, "who's the ODIHR director?", "when did Kosherbayev meet her?")
    assert answer.intent == "meeting_date"
    assert "Telalian" in answer.text and "6 December 2025" in answer.text


def test_meeting_that_did_not_happen_is_reported_as_not_recorded(engine: Engine) -> None:
    answer = engine.ask("did tokayev meet kamp?")
    assert answer.intent == "did_meet"
    assert "record no meeting" in answer.text
    assert "Tokayev" in answer.text and "Kamp" in answer.text


def test_statement_on_a_topic_never_mentioned_is_not_answered_with_another_quote(
        engine: Engine) -> None:
    answer = engine.ask("what did Tokayev say about climate change?")
    assert "record no statement" in answer.text
    assert not answer.citations


def test_place_the_sources_do_not_give_is_not_invented(engine: Engine) -> None:
    answer = engine.ask("where was the 32nd ministerial council held?")
    assert "not say" in answer.text
    for city in ("Vienna", "Malta", "Helsinki", "Astana"):
        assert f"in {city}" not in answer.text


@pytest.mark.parametrize("question", [
    "what is the weather in astana today",
    "who is the president of france",
    "when did putin meet biden",
    "who heads the IMF",
    "what is the price of bitcoin",
    "tell me a joke",
])
def test_out_of_scope_questions_are_declined_without_citations(
        engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.answered
    assert not answer.citations
    assert answer.intent in (None, "out_of_scope")


def test_unknown_names_are_named_in_the_decline(engine: Engine) -> None:
    answer = engine.ask("when did Macron meet Scholz?")
    assert not answer.answered
    assert "macron" in answer.text.lower()


def test_an_ordinary_word_where_a_meeting_question_needs_a_second_person_is_a_name(
        engine: Engine) -> None:
    answer = engine.ask("Кошербаев Лавровпен қашан кездесті?")  # "лавров" is common Russian
    assert not answer.answered
    assert "“лавров”" in answer.text


def test_low_confidence_offers_readable_suggestions_not_intent_ids(engine: Engine) -> None:
    strict = Engine(engine.kb, answer_threshold=0.99, suggest_threshold=0.2)
    answer = strict.ask("wen did tokaev mete shmid")
    assert answer.kind == "clarify" and not answer.answered and not answer.citations
    assert "When did Kassym-Jomart Tokayev meet Helga Schmid?" in answer.suggestions
    for suggestion in answer.suggestions:
        assert "_" not in suggestion and ":" not in suggestion and "{" not in suggestion
        assert suggestion.endswith("?")


def test_greetings_help_and_thanks_carry_no_citation(engine: Engine) -> None:
    for question in ("hello", "help", "thanks!"):
        answer = engine.ask(question)
        assert answer.answered and answer.kind == "smalltalk"
        assert not answer.citations


def test_overlong_question_gets_a_polite_request_to_shorten(engine: Engine) -> None:
    answer = engine.ask("who is kamp " * (MAX_QUESTION_CHARS // 5))
    assert answer.kind == "invalid"
    assert "shorter" in answer.text or "short" in answer.text


@pytest.mark.parametrize("junk", ["", "   ", "???", "\u200b\u202e", "🙂🙂🙂"])
def test_input_without_words_gets_a_clear_reply(engine: Engine, junk: str) -> None:
    answer = engine.ask(junk)
    assert not answer.answered
    assert answer.text


def test_json_rendering_follows_the_ask_contract(engine: Engine) -> None:
    data = json.loads(to_json(engine.ask("who heads odihr")))
    assert set(data) == {"question", "answered", "answer", "intent", "confidence",
                         "citations", "suggestions"}
    assert isinstance(data["answered"], bool) and 0 <= data["confidence"] <= 1
    assert data["citations"] and set(data["citations"][0]) == {
        "source", "title", "publisher", "url", "date", "quote"}
    assert "<" not in data["answer"]


def test_plain_rendering_lists_sources_with_quotes(engine: Engine) -> None:
    text = to_plain(engine.ask("when did tokaev meet shmid"))
    assert "Sources:" in text and "akorda.kz" in text and "“June 7, 2023”" in text


def test_plain_rendering_of_a_russian_answer_lists_sources_in_russian(engine: Engine) -> None:
    answer = engine.ask("когда встречались Токаев и Шмид")
    text = to_plain(answer, catalog=engine.catalog(answer.lang))
    assert "Источники:" in text and "7 июня 2023 г. https://akorda.kz" in text


def test_prepared_dates_and_plurals_read_as_babel_would_write_them(engine: Engine) -> None:
    for language, prepared in engine.kb.catalogs.items():
        assert len(prepared.dates) > 12, language  # the months, and the knowledge base's
        fresh = replace(prepared, dates={}, plural_rules=None)
        for value in [*prepared.dates, "1999", "1999-02", "1999-02-03"]:
            assert prepared.date(value) == fresh.date(value), (language, value)
        for count in (0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 111):
            assert (prepared.t("list.more", count=count)
                    == fresh.t("list.more", count=count)), (language, count)


def test_source_question_after_an_answer_names_that_answer_document(engine: Engine) -> None:
    answer = ask(engine, "whom did Kosherbayev meet?", "what is the source?")
    assert "kt.kz" in answer.text
    assert sources(answer) == {KT}


def test_meeting_summary_for_menus(engine: Engine) -> None:
    for meeting_id in engine.kb.meetings:
        answer = engine.meeting_summary(meeting_id)
        assert answer.citations and answer.answered


@pytest.mark.parametrize("opener", ["who is the osce secretary general",
                                    "when did tokaev meet shmid", "what is odihr"])
def test_decoys_are_declined_in_the_middle_of_a_conversation(engine: Engine,
                                                               opener: str) -> None:
    import yaml

    items = yaml.safe_load((ROOT / "tests" / "questions.yaml").read_text(encoding="utf-8"))
    decoys = [i["q"] for i in items if i.get("must_decline") and "q" in i]
    assert len(decoys) >= 30
    context = engine.ask(opener).context
    answered = [q for q in decoys if engine.ask(q, context).answered]
    assert len(answered) <= len(decoys) // 20, answered


def test_russian_she_is_the_woman_of_the_meeting(engine: Engine) -> None:
    answer = ask(engine, "когда Токаев встречался со Шмид?", "что она говорила?")
    assert "Helga Schmid" in answer.text and "Tokayev thanked" not in answer.text


def test_he_after_a_question_about_a_post_is_its_holder(engine: Engine) -> None:
    answer = ask(engine, "who is Kazakhstan's foreign minister?", "what did he tell Kamp?")
    assert answer.intent == "statements"
    assert "ethnic diversity" in answer.text  # said in his meeting with Kamp
    nothing = ask(engine, "who is Kazakhstan's foreign minister?", "what did he tell Telalian?")
    assert "nothing Yermek Kosherbayev said in a meeting with Maria Telalian" in nothing.text
    assert "ethnic diversity" not in nothing.text.split("They quote")[0]


def test_the_other_one_after_a_curated_answer_is_the_other_participant(
        engine: Engine) -> None:
    answer = ask(engine, "why is the OSCE a priority for Tokayev?",
                 "what did the other one say?")
    assert answer.intent == "statements" and "Helga Schmid" in answer.text


def test_a_question_naming_two_people_who_never_met_says_so(engine: Engine) -> None:
    answer = engine.ask("was there a meeting between Kamp and Braathu?")
    assert "no meeting between Christophe Kamp and Jan Braathu" in answer.text
    assert engine.ask("Была ли встреча у Кампа с Браату?").kind == "negative"


def test_a_where_question_is_not_answered_yes(engine: Engine) -> None:
    answer = engine.ask("where was Tokayev when he met Schmid?")
    assert not answer.text.startswith("Yes")


def test_russian_typed_in_latin_letters_is_read_with_emoji_beside_it(engine: Engine) -> None:
    answer = engine.ask("kto glava bdipch? 🙏😊")
    assert answer.lang == "ru" and answer.answered and "Телалян" in answer.text


def test_a_date_that_names_one_meeting_stands_for_its_participants(engine: Engine) -> None:
    answer = engine.ask("what did they talk about in june 2023?")
    assert answer.intent == "meeting_topics" and "Helga Schmid" in answer.text
    several = engine.ask("what did they talk about in december 2025?")  # four meetings then
    assert not several.answered or all(n in several.text for n in ("Telalian", "Kamp"))


def test_a_preamble_that_names_nothing_is_not_read_as_the_question(engine: Engine) -> None:
    answer = ask(engine, "hiya, sorry if this is a silly one but who is jan braathu exactly?")
    assert answer.answered
    assert "Representative on Freedom of the Media" in answer.text


def test_a_preamble_naming_what_the_sources_discuss_stays_part_of_the_question(
        engine: Engine) -> None:
    answer = ask(engine, "regarding press freedom, what did kosherbayev tell braathu?")
    assert answer.route is not None
    assert "press" in answer.route.words


def test_asking_whether_someone_holds_a_role_they_do_not_hold_says_no_and_who_does(
        engine: Engine) -> None:
    answer = ask(engine, "is kamp the odihr director?")
    assert answer.text.startswith("No.")
    assert "Maria Telalian" in answer.text
    assert "Christophe Kamp is the OSCE High Commissioner on National Minorities" in answer.text
    assert sources(answer) == {"kt-2025-12-06"}


def test_asking_whether_someone_held_a_role_at_a_date_answers_for_that_date(
        engine: Engine) -> None:
    then = ask(engine, "was schmid the secretary general in 2023?")
    assert then.answered and then.text.startswith("Yes. In 2023, Helga Schmid was")
    assert sources(then) == {"akorda-2023-06-07"}
    later = ask(engine, "was helga schmid still the sec gen in december 2025")
    assert later.text.startswith("No.") and "Feridun Sinirlioglu" in later.text


def test_asking_in_russian_whether_someone_holds_a_role_answers_yes_in_russian(
        engine: Engine) -> None:
    answer = ask(engine, "является ли браату представителем по свободе сми?")
    assert answer.answered and answer.text.startswith("Да.")
    assert "Ян Браату" in answer.text
