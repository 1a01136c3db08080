"""``meetbot.nlu.linker.EntityLinker``: the names, aliases, acronyms, roles, dates and
quotations a question mentions, on the shipped knowledge base and on a small one in
``tmp_path``."""

from __future__ import annotations

from meetbot.domain.route import Mention
from meetbot.nlu.router import Router


def link(router: Router, text: str, *, fuzzy: bool = True) -> list[Mention]:
    words = router.words.normalized(text).split()
    return router.linker.link(words, fuzzy=fuzzy, raw=text)


def found(router: Router, text: str, **options: bool) -> list[tuple[str, str]]:
    return [(m.kind, m.id) for m in link(router, text, **options)]


def test_names_and_their_spellings_link_the_person(router: Router) -> None:
    assert found(router, "when did Kosherbaev see Sinirlioğlu") == [
        ("person", "kosherbayev"), ("person", "sinirlioglu")]
    assert found(router, "Maria Telalyan") == [("person", "telalian")]


def test_a_name_in_cyrillic_or_in_a_russian_case_links_the_same_person(router: Router) -> None:
    assert found(router, "Синирлиоглу") == [("person", "sinirlioglu")]
    assert found(router, "встреча с Кошербаевым") == [("person", "kosherbayev")]
    assert found(router, "Тоқаевпен кездесу") == [("person", "tokayev")]


def test_a_misspelt_name_links_only_when_fuzzy(router: Router) -> None:
    [mention] = link(router, "what did tokayv say")
    assert (mention.kind, mention.id) == ("person", "tokayev")
    assert mention.score < 100
    assert found(router, "what did tokayv say", fuzzy=False) == []


def test_an_ordinary_word_near_a_name_is_not_linked(router: Router) -> None:
    assert found(router, "is there a summer camp in astana") == []  # not Kamp


def test_an_acronym_links_the_organisation(router: Router) -> None:
    assert found(router, "what is HCNM") == [("org", "hcnm")]


def test_a_role_named_in_part_links_to_the_role(router: Router) -> None:
    [mention] = link(router, "who is the national minorities commissioner now")
    assert (mention.kind, mention.id, mention.partial) == ("role", "osce-hcnm", True)


def test_a_role_named_by_a_whole_alias_is_not_partial(router: Router) -> None:
    [mention] = link(router, "who is the ODIHR director")
    assert (mention.kind, mention.id, mention.partial) == ("role", "odihr-director", False)


def test_a_month_before_a_year_is_one_date(router: Router) -> None:
    assert found(router, "meetings in December 2025") == [("date", "2025-12")]
    assert found(router, "meetings in December") == [("date", "????-12")]
    assert found(router, "the summit of 2010") == [("event", "osce-astana-summit-2010"),
                                                  ("date", "2010")]


def test_may_without_a_year_is_not_a_date(router: Router) -> None:
    assert found(router, "may I ask about Braathu") == [("person", "braathu")]


def test_a_quoted_phrase_is_a_quotation_of_its_statement(router: Router) -> None:
    [mention] = link(router, 'who said "a national asset and a strategic advantage"')
    assert mention.kind == "quote" and mention.id.startswith("kosherbayev-kamp-2025#")


def test_mentions_come_in_the_order_of_the_question(router: Router) -> None:
    mentions = link(router, "did Braathu meet the Kazakh Foreign Minister in 2025")
    assert [m.kind for m in mentions] == ["person", "role", "date"]
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


def test_the_aliases_of_a_small_knowledge_base_link(small_router: Router) -> None:
    assert found(small_router, "what did Minister Valtonen say") == [("person", "valtonen")]
    assert found(small_router, "is the NWC a council") == [("org", "nwc")]
    [council] = link(small_router, "who leads the water council")
    assert (council.kind, council.id, council.partial) == ("org", "nwc", True)
    assert found(small_router, "when did Tokayev meet Schmid") == []  # not in this one


def test_a_kazakh_ending_written_into_a_surname_still_links_it(router: Router) -> None:
    # "Камп" + "пен" (with) is written "Кампен": stemmed, "кам"
    assert ("person", "kamp") in found(router, router.words.normalized("Кампен", "kk"))
    assert ("person", "kamp") in found(router, router.words.normalized("Кампқа", "kk"))
