"""``meetbot.lang.words.LanguageWords`` and ``meetbot.lang.stemming.SuffixStemmer``: the words
of every catalogue, merged, and Kazakh read by its endings.

On the shipped catalogues (English, Russian, Kazakh) and on a curator's catalogue added to a
small knowledge base in ``tmp_path`` (a language that does not ship, written in Latin letters
with letters of its own and endings to strip).
"""

from __future__ import annotations

import pytest

from kbfactory import write_small_kb
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import normalize
from meetbot.lang.stemming import SuffixStemmer
from meetbot.lang.words import LanguageWords
from meetbot.store import load

TURKISH = """\
language: tr
name: Türkçe
letters: "ğış"
months: [ocak, şubat, mart, nisan, mayıs, [haziran, haz], temmuz, ağustos, eylül, ekim,
         kasım, aralık]
function_words: [ne, kim, ile, ve, mi, mı, bu, onlar]
fillers: [lütfen, acaba]
yes_no_particles: [mi, mı]
wh_words: [ne, kim]
suffixes: [ın, in, la, le]
pronouns:
  plural: [onlar]
  thing: [bu]
"""


@pytest.fixture(scope="module")
def words(shipped_kb: KnowledgeBase) -> LanguageWords:
    return LanguageWords.from_catalogs(shipped_kb.catalogs.values())


@pytest.fixture(scope="module")
def with_turkish(tmp_path_factory: pytest.TempPathFactory) -> LanguageWords:
    directory = write_small_kb(tmp_path_factory.mktemp("kb"))
    (directory / "messages").mkdir()
    (directory / "messages" / "tr.yaml").write_text(TURKISH, encoding="utf-8")
    return LanguageWords.from_catalogs(load(directory).catalogs.values())


def test_kazakh_case_endings_are_stemmed_to_the_name(words: LanguageWords) -> None:
    # with Tokayev, Tokayev's: Kazakh letters tell the language, its endings are stripped
    assert words.normalized("Тоқаевпен") == "тоқаев"
    assert words.normalized("Тоқаевтың") == "тоқаев"


def test_kazakh_text_is_not_cut_by_the_russian_stemmer(words: LanguageWords) -> None:
    assert normalize("Тоқаевпен") != "тоқаев"  # what Snowball's Russian stemmer makes of it
    assert words.normalized("Тоқаевпен") == "тоқаев"


def test_the_language_given_chooses_the_stemmer(words: LanguageWords) -> None:
    # no letter only Kazakh uses: by itself it reads as Russian, told Kazakh it is Kazakh
    assert words.normalized("Кошербаевпен", "kk") == "кошербаев"
    assert words.normalized("Кошербаевпен") != "кошербаев"
    assert words.normalized("Кошербаевым") == "кошербаев"  # Russian: Snowball


def test_a_kazakh_month_in_the_locative_is_read_as_the_month(words: LanguageWords) -> None:
    assert words.months[words.normalized("шілдеде", "kk")] == 7  # in July
    assert words.months[words.normalized("маусымда", "kk")] == 6  # in June
    assert words.months["june"] == 6 and words.months[normalize("июнь")] == 6


def test_may_is_a_month_only_before_a_year(words: LanguageWords) -> None:
    assert not words.is_month("may", before_year=False)  # "may I ask ..."
    assert words.is_month("may", before_year=True)
    assert words.is_month("june", before_year=False)


def test_fillers_count_also_with_their_last_letter_doubled(words: LanguageWords) -> None:
    assert words.is_filler("please") and words.is_filler("pleasee")
    assert words.is_filler("heyy")
    assert not words.is_filler("secretary")
    assert not words.is_filler("odihr")


def test_pronouns_are_sorted_by_what_they_stand_for(words: LanguageWords) -> None:
    assert "she" in words.female and "she" not in words.male
    assert "him" in words.male and "they" in words.plural
    assert "it" in words.things and "it" not in words.personal
    assert {"she", "it", "that"} <= words.back_references
    assert "other" in words.others


def test_yes_no_questions_are_told_by_their_opener_or_particle(words: LanguageWords) -> None:
    assert words.is_yes_no("did tokayev meet schmid".split())
    assert not words.is_yes_no("who did tokayev meet".split())
    assert not words.is_yes_no([])
    assert words.is_yes_no(normalize("Встречался ли Кошербаев с Кампом").split())


def test_suffix_stemmer_strips_the_longest_ending_and_keeps_three_letters() -> None:
    stemmer = SuffixStemmer(["-ен", "пен", "да"])
    assert stemmer.stem("Тоқаевпен") == "тоқаев"  # "пен", not just "ен"
    assert stemmer.stem("Жанпен") == "жан"
    assert stemmer.stem("Опен") == "опен"  # the stem would be one letter
    assert stemmer.text("Тоқаевпен, 2023!") == "тоқаев, 2023!"


def test_suffix_stemmer_strips_at_most_two_endings() -> None:
    stemmer = SuffixStemmer(["дар", "да"])
    assert stemmer.stem("адамдарда") == "адам"
    assert stemmer.stem("адамдардарда") == "адамдар"


def test_a_curators_catalogue_adds_its_words(with_turkish: LanguageWords) -> None:
    assert with_turkish.is_filler(normalize("lütfen"))
    assert with_turkish.months[normalize("haziran")] == 6
    assert with_turkish.months["haz"] == 6
    assert "onlar" in with_turkish.plural and "bu" in with_turkish.things
    assert with_turkish.is_yes_no("valtonen okonkwo ile mi".split())
    assert "please" in with_turkish.fillers  # English is still there


def test_a_language_with_letters_of_its_own_is_stemmed_by_its_endings(
        with_turkish: LanguageWords) -> None:
    assert with_turkish.normalized("Valtonenın") == "valtonen"  # "ı": Turkish
    assert with_turkish.normalized("Valtonenin") == "valtonenin"  # no letter of its own
    assert with_turkish.normalized("Valtonenin", "tr") == "valtonen"


def test_pronouns_keep_their_gender_and_no_other_word_is_one(words: LanguageWords) -> None:
    she, he = normalize("она"), normalize("он")
    assert she != he  # a short word keeps the ending that tells them apart
    assert {she, "ол", "she"} <= words.female and she not in words.male
    assert {he, "ол", "he"} <= words.male and he not in words.female
    assert normalize("не") not in words.female  # "почему он не встретился": no "she"


def test_a_wh_question_is_told_from_a_yes_no_one(words: LanguageWords) -> None:
    assert words.is_wh_question("where did they meet".split())
    assert not words.is_wh_question("did they meet".split())
    assert not words.is_wh_question(normalize("правда ли, что они встречались").split())


def test_an_english_question_begins_at_its_question_word(words: LanguageWords) -> None:
    said = "sorry if this is a dumb q but like who is braathu".split()
    assert said[words.question_start(said):] == "who is braathu".split()
    asked = "so in which year did they meet".split()
    assert asked[words.question_start(asked):] == "in which year did they meet".split()
    assert words.question_start("who is braathu".split()) == 0


def test_a_language_whose_question_word_comes_last_has_no_preamble(
        words: LanguageWords) -> None:
    kazakh = words.normalized("Францияның президенті кім?", "kk").split()
    assert words.question_start(kazakh) == 0
    russian = normalize("о чём говорили токаев и шмид").split()
    assert words.question_start(russian) == 0
