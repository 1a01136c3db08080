"""The console, driven through ``console.run`` with in-memory stdin and stdout."""

from __future__ import annotations

import io
import re
from pathlib import Path

from kbfactory import REAL_KNOWLEDGE, add_alias, edit_line
from meetbot.answers.engine import Engine
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.frontends.console import run
from meetbot.store.live import LiveKnowledge

FIRST = "when did tokaev meet shmid"
FOLLOW_UP = "what did they discuss?"
DISCUSSED = "Kassym-Jomart Tokayev and Helga Schmid discussed"


def console(engine: Engine, *lines: str, directory: Path = REAL_KNOWLEDGE) -> str:
    """Run the console on ``lines`` (without a watcher); return everything it printed."""
    live = LiveKnowledge(directory, engine=engine)
    stdout = io.StringIO()
    status = run(live, stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
                 stdout=stdout, watch=False)
    assert status == 0
    return stdout.getvalue()


def test_answer_shows_sources_and_quote(shipped_engine: Engine) -> None:
    out = console(shipped_engine, FIRST)
    assert "7 June 2023" in out
    assert "Sources:" in out
    assert re.search(r"^\[1\] .+ https://akorda\.kz/\S+$", out, re.M)
    assert re.search(r"^\s+“June 7, 2023”$", out, re.M), "the quote is shown"
    assert "you>" not in out, "no prompt when stdin is not a terminal"


def test_follow_up_keeps_the_context(shipped_engine: Engine) -> None:
    out = console(shipped_engine, FIRST, FOLLOW_UP)
    assert DISCUSSED in out
    assert "cooperation between Kazakhstan and the OSCE" in out


def test_why_shows_candidates_scores_and_entities(shipped_engine: Engine) -> None:
    out = console(shipped_engine, "/why", FIRST, FOLLOW_UP, "/why")
    before, after = out.split(DISCUSSED, 1)
    assert "Nothing asked yet" in before
    assert "question: 'what did they discuss?'" in after
    assert "candidates:" in after
    assert re.search(r"^\s+1\.00\s+meeting_topics\b", after, re.M)
    assert len(re.findall(r"^\s+\d\.\d\d\s+\S+", after, re.M)) >= 2, "several candidates"
    assert re.search(r"gap between top two: \d\.\d\d", after)
    assert re.search(r"^\s+person\s+tokayev\b.*context", after, re.M)
    assert re.search(r"^\s+person\s+schmid\b.*context", after, re.M)


def test_why_shows_each_stage_of_the_last_question(shipped_engine: Engine) -> None:
    out = console(shipped_engine, "good evening - who leads odihr?", "/why")
    explained = out.split("question: ", 1)[1]
    headings = re.findall(r"^\[(.+)\]$", explained, re.M)
    assert headings == ["clean and language", "normalised", "entities", "intents", "slots",
                        "evidence", "policy"]
    assert "small talk dropped: good evening" in explained
    assert re.search(r"^\s+org\s+odihr\s+'odihr' \(match 100\)$", explained, re.M)
    assert re.search(r"^\s+support: \d\.\d\d", explained, re.M)
    assert re.search(r"^\s+choice: structured — org_head at \d\.\d\d .*≥ 0\.60$", explained, re.M)


def test_why_explains_the_question_in_the_context_it_was_asked_in(
        shipped_engine: Engine) -> None:
    out = console(shipped_engine, FIRST, FOLLOW_UP, "/reset", "/why")
    explained = out.split("Conversation reset.", 1)[1]
    assert "question: 'what did they discuss?'" in explained
    assert re.search(r"^\s+person\s+tokayev\s+from context", explained, re.M)
    assert "slots filled from the conversation" in explained
    assert re.search(r"^\s+choice: structured — meeting_topics at 1\.00", explained, re.M)


def test_reset_forgets_the_context(shipped_engine: Engine) -> None:
    out = console(shipped_engine, FIRST, "/reset", FOLLOW_UP, "/why")
    before, after = out.split("Conversation reset.", 1)
    assert "7 June 2023" in before
    assert DISCUSSED not in after
    assert "Sources:" not in after, "a follow-up with no context cites nothing"
    assert "entities: none" in after


def test_sources_lists_both_documents(shipped_engine: Engine,
                                      shipped_kb: KnowledgeBase) -> None:
    out = console(shipped_engine, "/sources")
    assert len(shipped_kb.sources) == 2
    for doc in shipped_kb.sources.values():
        assert doc.meta.title in out
        assert doc.meta.url in out
        assert doc.meta.publisher in out


def test_unknown_command_is_handled_politely(shipped_engine: Engine) -> None:
    out = console(shipped_engine, "/frobnicate now", "who heads odihr")
    assert "Unknown command /frobnicate" in out
    assert "/help" in out and "/quit" in out, "the commands are listed"
    assert "Telalian" in out, "the console carries on after an unknown command"


def test_help_lists_commands(shipped_engine: Engine) -> None:
    out = console(shipped_engine, "/help")
    for command in ("/help", "/sources", "/why", "/reset", "/reload", "/quit"):
        assert command in out


def test_empty_lines_are_ignored(shipped_engine: Engine) -> None:
    plain = console(shipped_engine, "who heads odihr")
    padded = console(shipped_engine, "", "   ", "\t", "who heads odihr", "", " ")
    assert padded == plain
    assert "Telalian" in plain


def test_quit_stops_reading(shipped_engine: Engine) -> None:
    out = console(shipped_engine, "/quit", "who heads odihr")
    assert "Telalian" not in out


def test_reload_command_serves_a_good_edit_and_reports_a_broken_one(small_kb: Path) -> None:
    live = LiveKnowledge(small_kb)
    add_alias(small_kb / "people.yaml", "Valtonen", "Quillbright")
    out = console(live.engine, "who is quillbright", "/reload", "who is quillbright",
                  directory=small_kb)
    first, second = out.split("Knowledge base reloaded.", 1)
    assert "Ingrid Valtonen" not in first
    assert "Ingrid Valtonen" in second

    line = edit_line(small_kb / "roles.yaml", "head: true", "head: maybe")
    out = console(live.engine, "/reload", "who is valtonen", directory=small_kb)
    assert "knowledge edit rejected" in out
    assert f"{small_kb / 'roles.yaml'}:{line}: " in out
    assert "Ingrid Valtonen" in out, "the last good knowledge base keeps answering"
