"""``meetbot.lang.normalize``: how every question, alias and phrasing is written before it is
compared. Each test names what a person typing would take for granted."""

from __future__ import annotations

import pytest

from meetbot.lang.normalize import clean, normalize, tokens, transliterate


def test_emoji_and_decorations_are_dropped() -> None:
    assert normalize("Who is Kamp?? 🤔🙏") == "who is kamp"
    assert normalize("★ Braathu → media ✔") == "braathu media"


def test_a_letter_typed_three_times_or_more_is_read_once() -> None:
    assert normalize("Sooooo whooo heads ODIHR") == "so who heads odihr"
    assert normalize("hiiii") == "hi"


def test_a_letter_doubled_as_spelt_is_kept() -> None:
    assert normalize("meeting committee") == "meeting committee"


def test_case_is_folded_and_punctuation_goes() -> None:
    assert normalize("WHO Heads the OSCE?!  ...") == "who heads the osce"


def test_russian_case_forms_meet_their_nominative_by_snowball_stems() -> None:
    assert normalize("Шмидом") == normalize("Шмид")
    assert normalize("Кампом") == normalize("Камп")
    assert normalize("встречался") == normalize("встречались")


@pytest.mark.xfail(reason="Snowball reads the '-ев' of a nominative surname as an ending: "
                   "'Кошербаев' -> 'кошерба', 'Токаев' -> 'тока', but 'Кошербаевым' -> "
                   "'кошербаев', so the case forms the module docstring names do not meet "
                   "(the linker still finds both, through their Latin spelling)", strict=True)
def test_russian_case_forms_of_a_surname_in_ev_meet_their_nominative() -> None:
    assert normalize("Кошербаевым") == normalize("Кошербаев")
    assert normalize("Токаевым") == normalize("Токаев")


def test_without_snowball_cyrillic_words_are_kept_as_written() -> None:
    assert normalize("Кошербаевым", snowball=False) == "кошербаевым"
    assert normalize("Кошербаевым", snowball=False) != normalize("Кошербаевым")


def test_russian_stays_in_cyrillic_so_it_never_meets_an_english_word() -> None:
    russian = normalize("Лет")
    assert russian == "лет" and russian != normalize("let")


def test_diacritics_of_other_alphabets_are_dropped() -> None:
    assert normalize("Feridun Sinirlioğlu") == "feridun sinirlioglu"


def test_negations_possessives_and_contractions_are_unfolded() -> None:
    assert normalize("Didn't Telalian's office reply?") == "did not telalian office reply"
    assert normalize("I'd like the OSCE’s view") == "i like the osce view"


def test_clean_drops_invisible_characters_and_keeps_the_words() -> None:
    assert clean("who\u200b heads\u202e  odihr\n\t?") == "who heads odihr ?"
    assert clean("plain question") == "plain question"


def test_transliterate_writes_cyrillic_in_latin_letters() -> None:
    assert transliterate("Токаев") == "tokaev"
    assert tokens("Who met Braathu?") == ["who", "met", "braathu"]
