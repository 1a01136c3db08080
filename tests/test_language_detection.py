"""``meetbot.lang.detect`` (the language to answer in) and ``meetbot.lang.translit`` (Russian
typed in Latin letters, written back in Cyrillic), on the shipped catalogues and on a small
knowledge base in ``tmp_path``."""

from __future__ import annotations

import pytest

from kbfactory import write_small_kb
from meetbot.answers.engine import Engine
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.detect import detect_language
from meetbot.lang.translit import LatinTyping, romanised
from meetbot.store import load


@pytest.fixture(scope="module")
def typing(shipped_engine: Engine) -> LatinTyping:
    return shipped_engine.router.latin_typing["ru"]


@pytest.fixture(scope="module")
def names(shipped_engine: Engine) -> frozenset[str]:
    return shipped_engine.router.lexicon.alias_words


@pytest.fixture(scope="module")
def small_kb_loaded(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return load(write_small_kb(tmp_path_factory.mktemp("kb")))


def language(kb: KnowledgeBase, text: str, default: str = "en") -> str:
    return detect_language(text, kb.catalogs, default=default)


def test_kazakh_letters_name_kazakh(shipped_kb: KnowledgeBase) -> None:
    assert language(shipped_kb, "Көшербаев кіммен кездесті?") == "kk"


def test_cyrillic_without_kazakh_letters_is_russian(shipped_kb: KnowledgeBase) -> None:
    assert language(shipped_kb, "С кем встречался Кошербаев?") == "ru"


def test_kazakh_function_words_tell_kazakh_without_its_letters(
        shipped_kb: KnowledgeBase) -> None:
    assert language(shipped_kb, "Кошербаев мен Камп не туралы") == "kk"


def test_latin_text_is_english_whatever_the_users_language(shipped_kb: KnowledgeBase) -> None:
    assert language(shipped_kb, "who is Kamp?", default="ru") == "en"


def test_text_without_words_keeps_the_users_language(shipped_kb: KnowledgeBase) -> None:
    assert language(shipped_kb, "2023?", default="ru") == "ru"
    assert language(shipped_kb, "2023?", default="xx") == "en"  # no such catalogue


def test_a_quotation_or_a_name_in_latin_does_not_make_the_question_english(
        shipped_kb: KnowledgeBase) -> None:
    assert language(shipped_kb, 'Кто сказал "a diverse society is a strength"?') == "ru"
    assert language(shipped_kb, "Когда Tokayev встретился с Schmid?") == "ru"


def test_latin_typed_russian_words_are_written_back_in_cyrillic(
        typing: LatinTyping, names: frozenset[str]) -> None:
    assert typing.read(["kto", "takoy", "kosherbaev"], names) == ["кто", "такой",
                                                                   "kosherbaev"]
    assert typing.read(["o", "chem", "govorila", "shmid"], names) == [
        "о", "чем", "говорила", "shmid"]


def test_an_english_question_is_not_read_as_russian(
        typing: LatinTyping, names: frozenset[str]) -> None:
    assert typing.read(["who", "is", "kosherbaev"], names) is None
    assert typing.read(["no", "i", "mean", "kamp"], names) is None
    assert typing.read(["kosherbaev", "kamp"], names) is None  # names alone: no language


def test_a_typo_in_latin_typed_russian_is_still_read(typing: LatinTyping) -> None:
    assert typing.read(["vstrechalsa"]) == ["встречался"]


def test_russian_words_are_romanised_in_the_usual_ways() -> None:
    spellings = romanised("встречался")
    assert {"vstrechalsya", "vstrechalsia"} <= set(spellings)


def test_a_name_is_left_out_of_the_romanisations_of_a_small_knowledge_base(
        small_kb_loaded: KnowledgeBase) -> None:
    russian = small_kb_loaded.catalogs["ru"]
    with_name = LatinTyping.build(russian, ["Валтонен встретилась с Оконкво"], [])
    without = LatinTyping.build(russian, ["Валтонен встретилась с Оконкво"], [],
                                names=["Ингрид Валтонен", "Оконкво"])
    assert with_name.words.get("valtonen") == "валтонен"
    assert "valtonen" not in without.words and "okonkvo" not in without.words
    assert without.read(["kto", "takaya", "valtonen"]) == ["кто", "такая", "valtonen"]
