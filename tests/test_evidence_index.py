"""``meetbot.nlu.evidence.EvidenceIndex``: BM25 over every verified fact, on the shipped
knowledge base and on a small one in ``tmp_path``. The facts found are checked by their quotes,
kinds, dates and the entries they involve, never by their exact scores."""

from __future__ import annotations

import pytest

from kbfactory import write_small_kb
from meetbot.answers.engine import Engine
from meetbot.nlu.evidence import EvidenceHit, EvidenceIndex
from meetbot.nlu.router import Router
from meetbot.store import load


@pytest.fixture(scope="module")
def index(shipped_engine: Engine) -> EvidenceIndex:
    return shipped_engine.router.evidence


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> EvidenceIndex:
    return Router(load(write_small_kb(tmp_path_factory.mktemp("kb")))).evidence


def query(index: EvidenceIndex, text: str, language: str | None = None) -> dict[str, float]:
    return index.query(index.words.normalized(text, language).split())


def search(index: EvidenceIndex, text: str, language: str | None = None,
           **options: object) -> list[EvidenceHit]:
    return index.search(query(index, text, language), **options)  # type: ignore[arg-type]


def person(entry: str) -> frozenset[tuple[str, str]]:
    return frozenset({("person", entry)})


def test_a_statement_is_found_by_its_words(index: EvidenceIndex) -> None:
    hits = search(index, "a strategic advantage and a national asset", kinds=["statement"])
    assert hits and "national asset and a strategic advantage" in hits[0].fact.cite.quote
    assert hits[0].fact.speaker == "kosherbayev" and hits[0].coverage == 1.0


def test_search_keeps_only_facts_involving_the_named_person(index: EvidenceIndex) -> None:
    everyone = search(index, "cooperation")
    with_schmid = search(index, "cooperation", involving=[person("schmid")], limit=20)
    assert any("schmid" not in h.fact.people for h in everyone)
    assert with_schmid and all(("person", "schmid") in h.fact.entities for h in with_schmid)


def test_period_filters_facts(index: EvidenceIndex) -> None:
    in_2025 = search(index, "cooperation", period="2025", limit=20)
    in_2023 = search(index, "cooperation", period="2023", limit=20)
    assert in_2025 and all(h.fact.date.startswith("2025") for h in in_2025 if h.fact.date)
    assert in_2023 and all(h.fact.date.startswith("2023") for h in in_2023 if h.fact.date)
    assert "practical cooperation" in " ".join(h.fact.cite.quote for h in in_2025)


def test_a_statement_by_the_person_asked_about_ranks_first(index: EvidenceIndex) -> None:
    said = ["statement"]
    by_tokayev = search(index, "the Astana summit", kinds=said, speakers=["tokayev"])
    by_schmid = search(index, "the Astana summit", kinds=said, speakers=["schmid"])
    assert by_tokayev[0].fact.speaker == "tokayev"
    assert by_schmid[0].fact.speaker == "schmid"
    assert {h.fact.speaker for h in by_tokayev} == {"tokayev", "schmid"}  # both kept


def test_a_russian_question_finds_the_fact_by_its_translation(index: EvidenceIndex) -> None:
    [best, *_] = search(index, "межэтническое согласие")
    assert "interethnic harmony" in best.fact.cite.quote and best.coverage == 1.0


def test_a_kazakh_question_finds_the_fact_by_its_translation(index: EvidenceIndex) -> None:
    [best, *_] = search(index, "заң үстемдігі", "kk")  # rule of law
    assert best.fact.kind == "topic" and best.fact.text == "rule of law"


def test_a_word_no_fact_holds_counts_against_the_coverage(index: EvidenceIndex) -> None:
    assert search(index, "football") == []
    [best, *_] = search(index, "ethnic diversity and football")
    assert "ethnic diversity" in best.fact.cite.quote and 0.0 < best.coverage < 1.0


def test_how_a_question_asks_is_not_what_it_asks_about(index: EvidenceIndex) -> None:
    asked = query(index, "what did they discuss about dialogue")
    assert set(asked) == {"dialogu"}


def test_fillers_and_single_letters_are_left_out_of_the_tokens(index: EvidenceIndex) -> None:
    tokens = index.tokens("please, a word about cooperation")
    assert "cooper" in tokens and "pleas" not in tokens and "please" not in tokens
    assert "a" not in tokens


def test_a_misspelt_content_word_is_read_as_the_facts_word(index: EvidenceIndex) -> None:
    assert set(query(index, "cooperration")) == {"cooper"}
    assert set(query(index, "minorites")) == {"minority"}


def test_a_one_letter_slip_in_a_content_word_still_finds_the_fact(
        index: EvidenceIndex) -> None:
    [best, *_] = search(index, "a diverse sociaty is a strength")  # a letter wrong
    assert "diverse society is a strength" in best.fact.cite.quote
    assert best.coverage == 1.0
    assert set(query(index, "platfrom")) == {"platform"}  # two letters swapped


def test_an_ordinary_word_is_not_read_as_a_slip_for_another(index: EvidenceIndex) -> None:
    assert set(query(index, "проводил")) != {"привод"}  # "conducted", not "brought"


def test_every_kind_of_fact_of_a_small_knowledge_base_is_indexed(small: EvidenceIndex) -> None:
    assert {f.kind for f in small.facts} == {"statement", "topic", "summary", "role", "org",
                                             "event", "faq", "sentence"}
    [best, *_] = search(small, "share flood forecasts", involving=[person("valtonen")])
    assert best.fact.speaker == "valtonen" and "flood forecast" in best.fact.cite.quote
    assert search(small, "ethnic diversity") == []
