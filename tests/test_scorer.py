"""``meetbot.nlu.scorer.IntentScorer``: a question's template against every phrasing of
``intents.yaml`` and ``faq.yaml``, on the shipped knowledge base and a small one in
``tmp_path``. Ranks and relations between scores are asserted, never exact scores."""

from __future__ import annotations

import pytest

from kbfactory import write_small_kb
from meetbot.answers.engine import Engine
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Candidate, Mention
from meetbot.nlu.router import Router
from meetbot.nlu.scorer import IntentScorer
from meetbot.store import load


@pytest.fixture(scope="module")
def scorer(shipped_engine: Engine) -> IntentScorer:
    return shipped_engine.router.scorer


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Router:
    return Router(load(write_small_kb(tmp_path_factory.mktemp("kb"))))


def person(entry: str, at: int) -> Mention:
    return Mention("person", entry, entry, 100.0, at, at + 1)


def top(candidates: list[Candidate]) -> str:
    assert candidates
    return candidates[0].intent


def test_a_templated_meeting_question_scores_meeting_date_first(scorer: IntentScorer) -> None:
    candidates = scorer.score_intents("when did xperson meet xperson",
                                      [person("kamp", 2), person("kosherbayev", 4)])
    assert top(candidates) == "meeting_date"


def test_candidates_are_best_first_and_scored_between_zero_and_one(
        scorer: IntentScorer) -> None:
    candidates = scorer.score_intents("who heads xorg")
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len({c.intent for c in candidates}) == len(candidates)  # each intent once


def test_the_matched_phrasing_is_one_of_its_intents_examples(
        scorer: IntentScorer, shipped_kb: KnowledgeBase) -> None:
    best = scorer.score_intents("who heads xorg")[0]
    assert best.intent == "org_head"
    assert best.example in shipped_kb.intents["org_head"].examples


def test_a_typo_in_a_phrasing_word_counts_as_the_word(scorer: IntentScorer) -> None:
    hit = scorer.soft_match("discusss")
    assert hit is not None and hit[0] == "discuss" and hit[1] < 1.0
    assert top(scorer.score_intents("whn did xperson meet xperson")) == "meeting_date"


def test_a_filler_costs_less_than_a_word_of_content(scorer: IntentScorer) -> None:
    plain = scorer.score_intents("who heads xorg")[0].score
    polite = scorer.score_intents("please who heads xorg")
    padded = scorer.score_intents("weather who heads xorg")
    assert top(polite) == "org_head"
    assert plain - polite[0].score < plain - padded[0].score


def test_a_faq_phrasing_about_one_person_fits_questions_naming_that_person(
        scorer: IntentScorer) -> None:
    template = "what did xperson say about dialogue"

    def faq_score(entry: str) -> float:
        candidates = scorer.score_intents(template, [person(entry, 2)])
        return next((c.score for c in candidates
                     if c.intent == "faq:schmid-dialogue-platform"), 0.0)

    assert top(scorer.score_intents(template, [person("schmid", 2)])) == (
        "faq:schmid-dialogue-platform")
    assert faq_score("braathu") < faq_score("schmid")


def test_an_empty_template_has_no_candidates(scorer: IntentScorer) -> None:
    assert scorer.score_intents("") == []


def test_a_small_knowledge_bases_faq_phrasings_are_scored(small: Router) -> None:
    template = small.template_of("who pays for the new monitoring stations")
    assert top(small.scorer.score_intents(template)) == "faq:monitoring-stations"
