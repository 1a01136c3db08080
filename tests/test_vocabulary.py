"""``meetbot.nlu.vocabulary.Vocabulary`` (and the ordinary words of ``meetbot.lang.vocabulary``):
which words the knowledge base knows, and which unknown words look like names, on the shipped
knowledge base and on a small one in ``tmp_path``."""

from __future__ import annotations

import pytest

from kbfactory import write_small_kb
from meetbot.answers.engine import Engine
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import normalize
from meetbot.lang.vocabulary import ordinary_words
from meetbot.nlu.router import Router
from meetbot.nlu.vocabulary import Vocabulary
from meetbot.store import load


@pytest.fixture(scope="module")
def vocabulary(shipped_engine: Engine) -> Vocabulary:
    return shipped_engine.router.vocabulary


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Vocabulary:
    return Router(load(write_small_kb(tmp_path_factory.mktemp("kb")))).vocabulary


def test_ordinary_word_is_not_taken_for_a_name(vocabulary: Vocabulary) -> None:
    for word in ("weather", "basically", "france", "pizza"):
        assert not vocabulary.is_name(word), word


def test_a_surname_no_dictionary_holds_is_taken_for_a_name(vocabulary: Vocabulary) -> None:
    assert vocabulary.is_name("macron")
    assert vocabulary.is_name("zelensky")


def test_a_number_is_never_a_name(vocabulary: Vocabulary) -> None:
    assert not vocabulary.is_name("2030")
    assert not vocabulary.is_unknown("2030")


def test_a_word_with_kazakh_letters_is_a_kazakh_word_not_a_name(
        vocabulary: Vocabulary) -> None:
    # wordfreq has no Kazakh list: Kazakh's own letters tell a word of the language
    assert not vocabulary.is_name("ынтымақтастық")
    assert vocabulary.is_name("ынтымактастык")  # the same letters without them


def test_a_word_the_sources_use_is_known_and_one_they_never_use_is_not(
        vocabulary: Vocabulary) -> None:
    assert not vocabulary.is_unknown("coexistence")
    assert not vocabulary.is_unknown("harmony")
    assert vocabulary.is_unknown("pizza")
    assert vocabulary.is_unknown("weather")


def test_function_words_and_fillers_are_never_unknown(vocabulary: Vocabulary) -> None:
    for word in ("the", "whom", "pls", "hmm"):
        assert not vocabulary.is_unknown(word), word


def test_another_form_of_a_source_word_is_known(vocabulary: Vocabulary) -> None:
    assert vocabulary.other_form_known("strengthen")  # the sources: "strengthening"
    assert not vocabulary.is_unknown("strengthen")
    assert not vocabulary.other_form_known("nationality")  # not "national"


def test_a_typo_of_a_phrasing_word_is_known(vocabulary: Vocabulary) -> None:
    assert not vocabulary.is_unknown("discus")
    assert not vocabulary.is_unknown("meting")


def test_the_knowledge_base_decides_what_is_known(vocabulary: Vocabulary,
                                                  small: Vocabulary) -> None:
    assert not small.is_unknown("basin") and vocabulary.is_unknown("basin")
    assert not small.is_unknown("forecast") and vocabulary.is_unknown("forecast")
    assert small.is_unknown("ethnic") and not vocabulary.is_unknown("ethnic")


def test_a_name_the_small_knowledge_base_lacks_is_still_a_name(small: Vocabulary) -> None:
    assert small.is_unknown("kosherbayev") and small.is_name("kosherbayev")
    assert small.is_unknown("weather") and not small.is_name("weather")


def test_ordinary_words_cover_each_catalogue_language_wordfreq_knows(
        shipped_kb: KnowledgeBase) -> None:
    words = ordinary_words(shipped_kb.catalogs)
    assert "weather" in words
    assert normalize("погода") in words  # Russian, stemmed as questions are
    assert "tokayev" not in words
