"""``meetbot ingest`` and the draft checks, on a copy of the shipped knowledge base.

The third document, ``tests/data/test-document-osce-chairpersonship.txt``, is fictional test
data (marked so in its first line): a foreign ministry press release in the style of the two
real sources, about invented people.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kbfactory import PROJECT_ROOT, REAL_KNOWLEDGE
from meetbot.curation.ingest import (
    AlreadyRegistered,
    BadOption,
    DocumentEmpty,
    DocumentNotText,
    DocumentUnreadable,
    NoDate,
    RegistrationFailed,
    check_drafts,
    ingest,
    register,
)
from meetbot.curation.ingest.register import append_source
from meetbot.domain.schema import KnowledgeFile
from meetbot.errors import KnowledgeError
from meetbot.lang.normalize import squash_whitespace
from meetbot.store import load
from meetbot.store.validation import validated

DOCUMENT = PROJECT_ROOT / "tests" / "data" / "test-document-osce-chairpersonship.txt"
URL = "https://example.org/test"
PUBLISHER = "Test Publisher"
SOURCE_ID = "foreign-minister-irena-valkova-2026-03-14"


def copy_kb(target: Path) -> Path:
    shutil.copytree(REAL_KNOWLEDGE, target, ignore=shutil.ignore_patterns("drafts"))
    return target


def meetbot(*args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "meetbot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)


def cites(node: Any) -> Iterator[dict[str, str]]:
    """Every ``{source, quote}`` mapping in parsed YAML."""
    if isinstance(node, dict):
        if "quote" in node and "source" in node:
            yield node
        for value in node.values():
            yield from cites(value)
    elif isinstance(node, list):
        for item in node:
            yield from cites(item)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory,
             cli_env: dict[str, str]) -> tuple[Path, subprocess.CompletedProcess[str], bytes]:
    """The shipped knowledge base with the test document ingested through the CLI."""
    kb_dir = copy_kb(tmp_path_factory.mktemp("ingest") / "knowledge")
    before = (kb_dir / "sources.yaml").read_bytes()
    result = meetbot("ingest", str(DOCUMENT), "--url", URL, "--publisher", PUBLISHER,
                     "--knowledge", str(kb_dir), env=cli_env)
    return kb_dir, result, before


@pytest.fixture(scope="module")
def draft(ingested: tuple[Path, subprocess.CompletedProcess[str], bytes]) -> dict[str, Any]:
    kb_dir = ingested[0]
    data = yaml.safe_load((kb_dir / "drafts" / f"{SOURCE_ID}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_test_document_is_marked_as_test_data() -> None:
    first = DOCUMENT.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("TEST DATA") and "not real news" in first


def test_ingest_registers_the_source(
        ingested: tuple[Path, subprocess.CompletedProcess[str], bytes]) -> None:
    kb_dir, result, before = ingested
    assert result.returncode == 0, result.stderr
    assert f"Registered source '{SOURCE_ID}'" in result.stdout
    assert "Traceback" not in result.stderr
    # copied byte for byte
    copy = kb_dir / "sources" / f"{SOURCE_ID}.txt"
    assert copy.read_bytes() == DOCUMENT.read_bytes()
    # appended as text: everything that was there (comments, layout) is unchanged
    after = (kb_dir / "sources.yaml").read_bytes()
    assert after.startswith(before.rstrip(b"\n"))
    # and the knowledge base still loads, with the new source
    kb = load(kb_dir)
    meta = kb.sources[SOURCE_ID].meta
    assert meta.title == ("Foreign Minister Irena Valkova meets Director of the OSCE Conflict "
                          "Prevention Centre Tomas Lindgren")
    assert (meta.published, meta.url, meta.publisher) == ("2026-03-14", URL, PUBLISHER)
    assert meta.file == f"sources/{SOURCE_ID}.txt"
    assert set(load(REAL_KNOWLEDGE).sources) < set(kb.sources)


def test_the_draft_is_marked_and_not_served(
        ingested: tuple[Path, subprocess.CompletedProcess[str], bytes]) -> None:
    kb_dir = ingested[0]
    text = (kb_dir / "drafts" / f"{SOURCE_ID}.yaml").read_text("utf-8")
    assert text.startswith("# DRAFT")
    assert "NOT SERVED" in text
    kb = load(kb_dir)
    assert not any(pid.startswith("draft-") for pid in kb.people)
    assert not any(mid.startswith("draft-") for mid in kb.meetings)


def test_the_draft_has_people_orgs_quotes_and_meetings(draft: dict[str, Any]) -> None:
    validated(KnowledgeFile, draft)
    people = {p["id"]: p for p in draft["people"]}
    assert {p["name"] for p in people.values()} == {"Irena Valkova", "Tomas Lindgren",
                                                    "Karin Holm"}
    roles = {r["id"]: r for r in draft["roles"]}
    held = {p["name"]: roles[p["roles"][0]["role"]]["name"] for p in people.values()}
    assert held == {
        "Irena Valkova": "Minister of Foreign Affairs of the Republic of Norvalia",
        "Tomas Lindgren": "Director of the OSCE Conflict Prevention Centre",
        "Karin Holm": "First Deputy Director of the Office for Democratic Institutions and "
                      "Human Rights"}
    assert all(h["as_of"] == "2026-03-14" for p in people.values() for h in p["roles"])
    # "Full Name (ACR)": the new one is drafted, the known ones are matched; other new
    # organisations drafted are ones the text names
    org = next(o for o in draft["organizations"] if o.get("acronyms") == ["CPC"])
    text = DOCUMENT.read_text(encoding="utf-8")
    assert all(o["name"] in text for o in draft["organizations"])
    assert (org["name"], org["acronyms"], org["parent"]) == (
        "OSCE Conflict Prevention Centre", ["CPC"], "osce")
    ministry = next(o for o in draft["organizations"]
                    if o["name"] == "Ministry of Foreign Affairs of the Republic of Norvalia")
    assert ministry["kind"] == "ministry"
    assert {roles[p["roles"][0]["role"]].get("organization") for p in people.values()} == {
        ministry["id"], org["id"], "odihr"}
    # candidate meetings, with participants, topics and the quoted statements
    meetings = {frozenset(m["participants"]): m for m in draft["meetings"]}
    valkova, lindgren, holm = (next(i for i, p in people.items() if p["name"] == name)
                               for name in ("Irena Valkova", "Tomas Lindgren", "Karin Holm"))
    main = meetings[frozenset({valkova, lindgren})]
    assert (main["date"], main["date_kind"]) == ("2026-03-14", "report")
    assert main["date_cite"]["quote"] == "March 14, 2026"
    assert main["place"] == "Vienna"
    topics = [t["text"] for t in main["topics"]]
    assert "support for mediation processes" in topics
    assert "the role of OSCE field operations in Central Asia" in topics
    said = {s["speaker"]: s["cite"]["quote"] for s in main["statements"]}
    assert said[valkova].startswith("Norvalia will approach its Chairpersonship as an honest "
                                    "broker.")
    assert said[lindgren].startswith("Prevention is always cheaper than crisis management.")
    # the quotations are direct; what the text tells of Lindgren's words is reported
    kinds = {s["cite"]["quote"].split()[0]: s["kind"] for s in main["statements"]}
    assert kinds == {"Norvalia": "direct", "Prevention": "direct", "Director": "reported"}
    side = meetings[frozenset({valkova, holm})]
    assert [t["text"] for t in side["topics"]] == [
        "election observation and the strengthening of civil society institutions"]


def test_every_draft_quote_occurs_in_the_document(draft: dict[str, Any]) -> None:
    text = squash_whitespace(DOCUMENT.read_text(encoding="utf-8"))
    found = list(cites(draft))
    assert len(found) >= 15
    for cite in found:
        assert cite["source"] == SOURCE_ID
        assert squash_whitespace(cite["quote"]) in text, cite["quote"]


def test_draft_ids_do_not_clash_and_resolve(draft: dict[str, Any]) -> None:
    kb = load(REAL_KNOWLEDGE)
    new_ids = [e["id"] for section in ("people", "roles", "organizations", "meetings")
               for e in draft[section]]
    assert all(i.startswith("draft-") for i in new_ids)
    known = set(new_ids) | set(kb.people) | set(kb.roles) | set(kb.organizations)
    for meeting in draft["meetings"]:
        assert set(meeting["participants"]) <= known
        speakers = {s["speaker"] for s in meeting.get("statements", [])}
        assert speakers <= set(meeting["participants"])


def test_check_accepts_the_draft(
        ingested: tuple[Path, subprocess.CompletedProcess[str], bytes],
        cli_env: dict[str, str]) -> None:
    kb_dir = ingested[0]
    assert check_drafts(kb_dir) == []
    result = meetbot("check", "--knowledge", str(kb_dir), env=cli_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "drafts: 1 draft file(s) valid" in result.stdout


def test_reingesting_the_same_file_is_refused(
        ingested: tuple[Path, subprocess.CompletedProcess[str], bytes],
        cli_env: dict[str, str]) -> None:
    kb_dir = ingested[0]
    snapshot = {p: p.read_bytes() for p in kb_dir.rglob("*") if p.is_file()}
    for extra in ([], ["--id", "another-id"]):
        result = meetbot("ingest", str(DOCUMENT), "--url", URL, "--publisher", PUBLISHER,
                         "--knowledge", str(kb_dir), *extra, env=cli_env)
        assert result.returncode == 2
        assert "already registered" in result.stderr
        assert SOURCE_ID in result.stderr
        assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in kb_dir.rglob("*") if p.is_file()} == snapshot


def test_a_forged_quote_in_a_draft_is_reported_with_file_and_line(
        ingested: tuple[Path, subprocess.CompletedProcess[str], bytes], tmp_path: Path,
        cli_env: dict[str, str]) -> None:
    kb_dir = copy_kb(tmp_path / "knowledge")
    shutil.copytree(ingested[0] / "drafts", kb_dir / "drafts")
    shutil.copy(ingested[0] / "sources.yaml", kb_dir / "sources.yaml")
    shutil.copy(ingested[0] / "sources" / f"{SOURCE_ID}.txt", kb_dir / "sources")
    draft_path = kb_dir / "drafts" / f"{SOURCE_ID}.yaml"
    lines = draft_path.read_text("utf-8").split("\n")
    target = next(i for i, line in enumerate(lines) if "honest broker" in line)
    lines[target] = lines[target].replace("honest broker", "impartial referee")
    draft_path.write_text("\n".join(lines), "utf-8")
    problems = check_drafts(kb_dir)
    assert len(problems) == 1
    (problem,) = problems
    assert Path(problem.file).resolve() == draft_path.resolve()
    assert problem.line == target + 1
    assert "quote not found in source" in problem.message
    # the served knowledge base is fine, but `check` fails on the draft, naming file:line
    load(kb_dir)
    result = meetbot("check", "--knowledge", str(kb_dir), env=cli_env)
    assert result.returncode == 1
    assert f"{problem.file}:{target + 1}: quote not found" in result.stdout


def test_draft_problems_name_their_lines(ingested: tuple[Path, Any, bytes],
                                        tmp_path: Path) -> None:
    kb_dir = copy_kb(tmp_path / "knowledge")
    shutil.copy(ingested[0] / "sources.yaml", kb_dir / "sources.yaml")
    shutil.copy(ingested[0] / "sources" / f"{SOURCE_ID}.txt", kb_dir / "sources")
    drafts = kb_dir / "drafts"
    drafts.mkdir()
    (drafts / "a.yaml").write_text(
        "meetings:\n"
        "  - id: draft-m\n"
        "    title: A meeting\n"
        "    date: 2026-03-14\n"
        "    date_kind: report\n"
        "    participants: [tokayev, draft-nobody]\n"
        "    summary:\n"
        "      text: A meeting.\n"
        "      cite: {source: kt-2025-12-06, quote: \"rule of law\"}\n"
        "people:\n"
        "  - id: schmid\n"
        "    name: Helga Schmid\n", "utf-8")
    (drafts / "b.yaml").write_text("people: [\n", "utf-8")
    found = {(Path(p.file).name, p.line, p.message.split(" (")[0]) for p in check_drafts(kb_dir)}
    assert ("a.yaml", 6, "unknown people id 'draft-nobody'") in found
    assert ("a.yaml", 11, "duplicate people id 'schmid'") in found
    assert any(name == "b.yaml" and msg.startswith("YAML error") for name, _, msg in found)


def test_check_drafts_without_drafts(tmp_path: Path) -> None:
    kb_dir = copy_kb(tmp_path / "knowledge")
    assert check_drafts(kb_dir) == []
    (kb_dir / "drafts").mkdir()
    assert check_drafts(kb_dir) == []


# -- matching what the knowledge base already knows --------------------------------------


def test_known_people_and_meetings_are_matched_not_duplicated(tmp_path: Path) -> None:
    kb_dir = copy_kb(tmp_path / "knowledge")
    real = (REAL_KNOWLEDGE / "sources" / "kosherbayev-osce-2025-12-06.txt").read_text("utf-8")
    excerpt = tmp_path / "excerpt.txt"
    excerpt.write_text("TEST DATA: an excerpt of a registered source, for meetbot's tests.\n\n"
                       + real, "utf-8")
    summary = ingest(kb_dir, excerpt, url=URL, publisher=PUBLISHER, source_id="kt-excerpt")
    assert "5 known (kosherbayev, sinirlioglu, telalian, braathu, kamp)" in summary
    text = (kb_dir / "drafts" / "kt-excerpt.yaml").read_text("utf-8")
    for person in ("kosherbayev", "sinirlioglu", "telalian", "braathu", "kamp"):
        assert f"# matches existing person {person} " in text
    assert "# matches existing meeting kosherbayev-kamp-2025 " in text
    assert "# matches existing organization odihr " in text
    data = yaml.safe_load(text)
    assert data["people"] == [] and data["meetings"] == []
    # the quotation ("..., he stated.") is attributed to the minister, not to Kamp
    assert "#     - speaker: kosherbayev  # guessed: 'he'" in text
    assert check_drafts(kb_dir) == []


# -- refusing bad input before changing anything -----------------------------------------


@pytest.fixture
def kb_copy(tmp_path: Path) -> Iterator[Path]:
    kb_dir = copy_kb(tmp_path / "knowledge")
    before = {p: p.read_bytes() for p in kb_dir.rglob("*") if p.is_file()}
    yield kb_dir
    assert {p: p.read_bytes() for p in kb_dir.rglob("*") if p.is_file()} == before


def test_bad_input_is_refused_clearly(kb_copy: Path, tmp_path: Path) -> None:
    def run(path: Path, **options: Any) -> str:
        return ingest(kb_copy, path, **{"url": URL, "publisher": PUBLISHER, **options})

    with pytest.raises(DocumentUnreadable, match="cannot read the document"):
        run(tmp_path / "missing.txt")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9 meeting, 1 May 2026\n".encode("latin-1"))
    with pytest.raises(DocumentNotText, match=r"not UTF-8 text.*latin1\.txt:1: byte 0xe9"):
        run(latin1)
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n")
    with pytest.raises(DocumentEmpty):
        run(empty)
    undated = tmp_path / "undated.txt"
    undated.write_text("Minister Irena Valkova met Director Tomas Lindgren.\n")
    with pytest.raises(NoDate, match="pass --date"):
        run(undated)
    with pytest.raises(BadOption, match="--url"):
        run(DOCUMENT, url="example.org/no-scheme")
    with pytest.raises(BadOption, match="--date"):
        run(DOCUMENT, date="2026-02-30")
    with pytest.raises(BadOption, match="--id"):
        run(DOCUMENT, source_id="Not An Id")
    with pytest.raises(AlreadyRegistered, match="'kt-2025-12-06'"):
        run(DOCUMENT, source_id="kt-2025-12-06")
    with pytest.raises(AlreadyRegistered, match="already registered"):
        run(REAL_KNOWLEDGE / "sources" / "tokayev-schmid-2023-06-07.txt")


@pytest.mark.parametrize(("value", "why"), [
    ("2026-02-30", "February 2026 has 28 days"),
    ("2026-13", "there is no month 13"),
    ("0000", "years start at 0001"),
    ("0000-06", "years start at 0001"),
])
def test_a_date_that_does_not_exist_is_refused(kb_copy: Path, value: str, why: str) -> None:
    with pytest.raises(BadOption) as caught:
        ingest(kb_copy, DOCUMENT, url=URL, publisher=PUBLISHER, date=value)
    assert str(caught.value) == f"invalid option: --date {value} is not a real date ({why})"


def test_a_broken_knowledge_base_is_not_touched(kb_copy: Path) -> None:
    faq = kb_copy / "faq.yaml"
    original = faq.read_bytes()
    faq.write_bytes(original + b"  - id: [broken\n")
    try:
        with pytest.raises(KnowledgeError):
            ingest(kb_copy, DOCUMENT, url=URL, publisher=PUBLISHER)
        assert not (kb_copy / "drafts").exists()
    finally:
        faq.write_bytes(original)


def test_registration_is_rolled_back_when_the_result_would_not_load(
        kb_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_entry = register.source_entry

    def broken_entry(*args: Any) -> list[str]:
        lines: list[str] = real_entry(*args)
        return [*lines[:-1], "  published: again"]  # a duplicate key

    monkeypatch.setattr(register, "source_entry", broken_entry)
    with pytest.raises(RegistrationFailed, match=r"sources\.yaml:\d+: duplicate key"):
        ingest(kb_copy, DOCUMENT, url=URL, publisher=PUBLISHER)


def test_options_override_what_is_found(tmp_path: Path) -> None:
    kb_dir = copy_kb(tmp_path / "knowledge")
    summary = ingest(kb_dir, DOCUMENT, url=URL, publisher=PUBLISHER, title="Norvalia and the CPC",
                     date="2026-03-15", source_id="norvalia-cpc")
    assert "published: 2026-03-15 (from --date)" in summary
    meta = load(kb_dir).sources["norvalia-cpc"].meta
    assert (meta.title, meta.published) == ("Norvalia and the CPC", "2026-03-15")
    data = yaml.safe_load((kb_dir / "drafts" / "norvalia-cpc.yaml").read_text("utf-8"))
    # the meeting is dated by the source, and the text does not state that date: no date_cite
    assert all(m["date"] == "2026-03-15" and "date_cite" not in m for m in data["meetings"])
    assert check_drafts(kb_dir) == []


# -- appending to sources.yaml -----------------------------------------------------------


ENTRY = ["- id: new", "  title: \"New\"", "  publisher: \"P\"", "  url: \"https://e.org\"",
         "  published: \"2026-01-02\"", "  file: sources/new.txt"]


def test_append_keeps_comments_and_other_sections(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    old = ("# Sources, newest last.\n"
           "sources:\n"
           "    - id: old   # four-space indent\n"
           "      title: \"Old\"\n"
           "\n"
           "# the people section follows\n"
           "people: []\n")
    new, line = append_source(path, old.encode(), ENTRY)
    text = new.decode()
    data = yaml.safe_load(text)
    assert [s["id"] for s in data["sources"]] == ["old", "new"]
    assert data["people"] == []
    assert text.split("\n")[line - 1] == "    - id: new"
    assert "# four-space indent" in text and "# the people section follows" in text
    assert text.index("- id: new") < text.index("# the people section follows")


def test_append_to_a_missing_or_sectionless_file(tmp_path: Path) -> None:
    new, line = append_source(tmp_path / "sources.yaml", None, ENTRY)
    assert yaml.safe_load(new)["sources"][0]["id"] == "new" and line == 2
    new, line = append_source(tmp_path / "x.yaml", b"# nothing yet\npeople: []\n", ENTRY)
    data = yaml.safe_load(new)
    assert data["sources"][0]["id"] == "new" and data["people"] == []
    assert new.decode().split("\n")[line - 1] == "  - id: new"
    with pytest.raises(RegistrationFailed, match="sources: \\[\\]"):
        append_source(tmp_path / "x.yaml", b"sources: []\n", ENTRY)
