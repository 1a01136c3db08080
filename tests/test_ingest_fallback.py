"""A newly ingested document is answered at once, by quoting it with a citation.

``meetbot ingest`` registers the third test document (fictional test data) in a copy of the
shipped knowledge base. Its draft is not served (that it passes ``meetbot check`` is tested in
``test_ingest.py``), so questions about the document get the passage fallback: "the source
says: “…”", quoting one sentence of the document verbatim and citing the new source.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kbfactory import PROJECT_ROOT, REAL_KNOWLEDGE
from meetbot.lang.normalize import squash_whitespace

DOCUMENT = PROJECT_ROOT / "tests" / "data" / "test-document-osce-chairpersonship.txt"
URL = "https://example.org/test"
PUBLISHER = "Test Publisher"
SOURCE_ID = "foreign-minister-irena-valkova-2026-03-14"
TITLE = ("Foreign Minister Irena Valkova meets Director of the OSCE Conflict Prevention Centre "
         "Tomas Lindgren")

QUESTIONS = {
    # question: what the quoted sentence must say to answer it
    "what did the parties discuss about mediation processes?": "support for mediation processes",
    "where is the norvalia osce conference?": "in the city of Dravik",
    "what did valkova say about being an honest broker?": "as an honest broker",
    "what did lindgren say about crisis management?": "always cheaper than crisis management",
    "what did the minister discuss with karin holm?": "Karin Holm on election observation",
    "who is the director of the osce conflict prevention centre?": "Centre Tomas Lindgren",
    # another form of a word the source uses ("invite": "invited", "welcome": "welcomed")
    "who did valkova invite to dravik?": "invited Director Lindgren",
    "what did director lindgren welcome?": "welcomed Norvalia's commitment",
}


def ask_json(knowledge: Path, questions: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    """``meetbot ask --json -``: one JSON answer per question."""
    result = subprocess.run(
        [sys.executable, "-m", "meetbot", "ask", "--json", "-", "--knowledge", str(knowledge)],
        input="".join(f"{q}\n" for q in questions), cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions
    return answers


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]) -> Path:
    """A copy of the shipped knowledge base with the test document ingested (CLI)."""
    knowledge = tmp_path_factory.mktemp("fallback") / "knowledge"
    shutil.copytree(REAL_KNOWLEDGE, knowledge, ignore=shutil.ignore_patterns("drafts"))
    result = subprocess.run(
        [sys.executable, "-m", "meetbot", "ingest", str(DOCUMENT), "--url", URL,
         "--publisher", PUBLISHER, "--knowledge", str(knowledge)],
        cwd=PROJECT_ROOT, env=cli_env, capture_output=True, text=True, encoding="utf-8",
        timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert f"Registered source '{SOURCE_ID}'" in result.stdout
    return knowledge


def test_the_shipped_knowledge_base_cannot_answer_them(cli_env: dict[str, str]) -> None:
    for answer in ask_json(REAL_KNOWLEDGE, list(QUESTIONS), cli_env):
        assert not answer["answered"], answer
        assert not any(c["source"] == SOURCE_ID for c in answer["citations"])


def test_the_ingested_document_answers_them_by_passage_fallback(
        ingested: Path, cli_env: dict[str, str]) -> None:
    document = squash_whitespace(DOCUMENT.read_text(encoding="utf-8"))
    for answer, expected in zip(ask_json(ingested, list(QUESTIONS), cli_env),
                                QUESTIONS.values(), strict=True):
        question = answer["question"]
        assert answer["answered"], answer
        assert answer["intent"] == "passage", (question, answer["intent"])
        assert 0 < answer["confidence"] < 0.6, "quoted, not curated: lower confidence"
        [cite] = answer["citations"]
        assert (cite["source"], cite["title"], cite["publisher"], cite["url"], cite["date"]) == (
            SOURCE_ID, TITLE, PUBLISHER, URL, "2026-03-14")
        quote = cite["quote"]
        assert squash_whitespace(quote) in document, f"not verbatim: {quote!r}"
        assert expected in quote, (question, quote)
        assert f"the source says: “{quote}” [1]" in answer["answer"], answer["answer"]
