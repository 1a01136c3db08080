"""What ``meetbot ingest`` drafts from short press releases, one behaviour at a time.

Every document here is fictional test data (marked so in its first line), written for these
tests; each is ingested into a copy of the shipped knowledge base.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from kbfactory import REAL_KNOWLEDGE
from meetbot.curation.ingest import check_drafts, ingest
from meetbot.store import load

URL = "https://example.org/test"


def draft_of(tmp_path: Path, text: str, source_id: str = "doc") -> tuple[dict[str, Any], str]:
    """Ingest ``text``; return the parsed draft and its text."""
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(REAL_KNOWLEDGE, kb_dir, ignore=shutil.ignore_patterns("drafts"))
    document = tmp_path / "document.txt"
    document.write_text(text, encoding="utf-8")
    ingest(kb_dir, document, url=URL, publisher="Test Publisher", source_id=source_id)
    assert check_drafts(kb_dir) == []
    written = (kb_dir / "drafts" / f"{source_id}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(written)
    assert isinstance(data, dict)
    return data, written


def statements(draft: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(speaker, kind, quote) of every drafted statement."""
    return [(s["speaker"], s["kind"], s["cite"]["quote"])
            for m in draft["meetings"] for s in m.get("statements", [])]


RECEPTION = (
    "TEST DATA - a fictional press release for meetbot's tests; not real news.\n\n"
    "Prime Minister receives OSCE Secretary General\n\n"
    "2 October 2026\n\n"
    "Prime Minister of the Republic of Velaria Mirko Daskal received OSCE Secretary General "
    "Anita Roos.\n\n"
    "Welcoming Anita Roos, Prime Minister Daskal noted that Velaria valued the work of the OSCE "
    "field missions.\n\n"
    "For her part, Anita Roos thanked the Government of Velaria for its support of the "
    "Organization.\n\n"
    "In his turn, Mirko Daskal highlighted the reforms of the judiciary. He also invited the "
    "Secretary General to the regional conference on water security.\n")


def test_a_sentence_opening_is_not_a_person_and_a_title_after_a_comma_is_another_persons(
        tmp_path: Path) -> None:
    draft, _text = draft_of(tmp_path, RECEPTION)
    names = {p["name"] for p in draft["people"]}
    assert names == {"Mirko Daskal", "Anita Roos"}
    roles = {r["id"]: r["name"] for r in draft["roles"]}
    held = {p["name"]: {roles.get(h["role"], h["role"]) for h in p["roles"]}
            for p in draft["people"]}
    assert held == {"Mirko Daskal": {"Prime Minister of the Republic of Velaria"},
                    "Anita Roos": {"osce-secretary-general"}}


def test_reported_speech_is_drafted_with_its_speaker_and_the_gender_the_text_tells(
        tmp_path: Path) -> None:
    draft, _text = draft_of(tmp_path, RECEPTION)
    ids = {p["name"]: p["id"] for p in draft["people"]}
    said = statements(draft)
    daskal, roos = ids["Mirko Daskal"], ids["Anita Roos"]
    assert (daskal, "reported", "Welcoming Anita Roos, Prime Minister Daskal noted that Velaria "
            "valued the work of the OSCE field missions.") in said
    assert any(who == roos and quote.startswith("For her part, Anita Roos thanked")
               for who, _kind, quote in said)
    assert any(who == daskal and quote.startswith("In his turn, Mirko Daskal highlighted")
               for who, _kind, quote in said)
    genders = {p["name"]: p.get("gender") for p in draft["people"]}
    assert genders == {"Mirko Daskal": "male", "Anita Roos": "female"}


def test_a_pronoun_speaker_is_the_nearest_person_of_that_gender(tmp_path: Path) -> None:
    # Anita Roos is named last, but "In his turn" showed Daskal to be the man
    text = RECEPTION.replace(
        "He also invited the Secretary General to the regional conference on water security.",
        "Anita Roos welcomed the reforms. He stressed that they would continue.")
    draft, written = draft_of(tmp_path, text)
    ids = {p["name"]: p["id"] for p in draft["people"]}
    said = {quote: who for who, _kind, quote in statements(draft)}
    assert said["Anita Roos welcomed the reforms."] == ids["Anita Roos"]
    assert said["He stressed that they would continue."] == ids["Mirko Daskal"]
    assert "guessed: 'he' taken as the nearest male person named before" in written


def test_the_headline_is_the_title_even_when_the_page_repeats_it(tmp_path: Path) -> None:
    text = ("TEST DATA - a fictional press release for meetbot's tests; not real news.\n\n"
            "Official website of the National Assembly of Velaria\n\n"
            "Speaker of Parliament meets OSCE PA delegation\n\n"
            "Speaker of Parliament meets OSCE PA delegation\n\n"
            "14 May 2026, 10:15\n\n"
            "Speaker of the National Assembly of Velaria Sanja Petrova met with Head of the "
            "OSCE Parliamentary Assembly delegation Peter Lind to discuss the election law.\n")
    _draft, _written = draft_of(tmp_path, text)
    meta = load(tmp_path / "knowledge").sources["doc"].meta
    assert meta.title == "Speaker of Parliament meets OSCE PA delegation"


def test_a_russian_press_release_is_drafted_in_the_nominative(tmp_path: Path) -> None:
    text = ("TEST DATA - вымышленный документ для тестов meetbot; не настоящая новость.\n\n"
            "Министр встретился с Генеральным секретарём ОБСЕ\n\n"
            "5 ноября 2026 года\n\n"
            "Министр иностранных дел Республики Велария Павел Громов встретился с Генеральным "
            "секретарём ОБСЕ Мартой Лунд.\n\n"
            "Стороны обсудили подготовку к заседанию Совета министров ОБСЕ.\n\n"
            "«Мы ценим открытый диалог с Веларией», – отметила Марта Лунд.\n")
    draft, _written = draft_of(tmp_path, text)
    people = {p["name"]: p for p in draft["people"]}
    assert set(people) == {"Павел Громов", "Марта Лунд"}
    assert people["Марта Лунд"]["roles"][0]["role"] == "osce-secretary-general"
    assert people["Марта Лунд"]["gender"] == "female"
    roles = {r["name"] for r in draft["roles"]}
    assert roles == {"Министр иностранных дел Республики Велария"}
    (meeting,) = draft["meetings"]
    assert meeting["date"] == "2026-11-05"
    assert [t["text"] for t in meeting["topics"]] == [
        "подготовку к заседанию Совета министров ОБСЕ"]
    ((who, kind, quote),) = statements(draft)
    assert (who, kind, quote) == (people["Марта Лунд"]["id"], "direct",
                                  "Мы ценим открытый диалог с Веларией")


def test_check_lists_what_a_draft_still_needs(tmp_path: Path) -> None:
    from meetbot.curation.ingest.needs import draft_needs

    draft, _written = draft_of(tmp_path, RECEPTION)
    needs = draft_needs(tmp_path / "knowledge")
    messages = [n.message for n in needs]
    daskal = next(p["id"] for p in draft["people"] if p["name"] == "Mirko Daskal")
    assert any(m.startswith(f"draft: people {daskal!r} still needs an id of your own")
               and "translations (kk, ru)" in m for m in messages)
    assert any("keywords for" in m and "a summary in your own words" in m for m in messages)
    assert all(n.severity == "warning" and n.line for n in needs)
