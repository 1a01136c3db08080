"""Live reload never serves half an edit.

* A knowledge file being written in place (caught with only part of its entries) is not
  served: a reload that would drop most of a section is held back until the files have
  stayed like that for the grace period, or until it is forced (``/reload``).
* A file removed or changed while the knowledge base is being read makes that load void:
  it is read again once the files settle, and nobody is told about a "broken edit".
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kbfactory import REAL_KNOWLEDGE
from meetbot.errors import Problem
from meetbot.store.live import HOLD_SECONDS, LiveKnowledge
from test_live_ask_process import AskProcess, add_alias, until
from test_live_reload import wait_until_watching

GONE = ["did kosherbayev meet telalian?", "did kosherbayev meet braathu?",
        "did kosherbayev meet kamp?"]
"""Questions about the last three of the five shipped meetings."""
NO_MEETING = "record no meeting"


def first_meetings(text: str, keep: int) -> str:
    """``meetings.yaml`` as if only its first ``keep`` meetings had been written."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
    return "".join(lines[:starts[keep]])


def without_entry(text: str, entry_id: str) -> str:
    """A knowledge file with the entry ``entry_id`` (up to the next ``  - id:``) left out."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  - id: {entry_id}\n")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")),
               len(lines))
    return "".join(lines[:start] + lines[end:])


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge base (five meetings), safe to edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(REAL_KNOWLEDGE, target, ignore=shutil.ignore_patterns("drafts"))
    return target


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def heard() -> list[list[Problem] | None]:
    return []


@pytest.fixture
def live(knowledge: Path, clock: Clock,
         heard: list[list[Problem] | None]) -> Iterator[LiveKnowledge]:
    served = LiveKnowledge(knowledge, clock=clock)
    served.subscribe(heard.append)
    yield served
    served.stop()


def says_they_met(live: LiveKnowledge, question: str) -> bool:
    answer = live.engine.ask(question)
    return answer.answered and answer.text.startswith("Yes.")


# -- a file written in place, caught half-way -------------------------------------------------


def test_half_written_meetings_file_gives_no_wrong_answers_in_a_running_ask_process(
        knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEETBOT_CACHE", "off")
    asker = AskProcess(knowledge)
    try:
        alias = "Quetzalcoatlus Tokayev"
        add_alias(knowledge, alias)  # answered once the process watches the files
        assert until(lambda: "Kassym-Jomart Tokayev" in str(
            asker.ask(f"who is {alias}?")["answer"])), "the process never reloaded"

        meetings = knowledge / "meetings.yaml"
        good = meetings.read_text(encoding="utf-8")
        meetings.write_text(first_meetings(good, 2), encoding="utf-8")  # in place, 2 of 5
        wrong: list[str] = []
        asked = 0
        questions = itertools.cycle(GONE)
        held_until = time.monotonic() + 1.5
        while time.monotonic() < held_until:
            answer = asker.ask(next(questions))
            asked += 1
            if NO_MEETING in str(answer["answer"]):
                wrong.append(str(answer["answer"]))
            time.sleep(0.05)
        meetings.write_text(good, encoding="utf-8")  # the editor finishes writing
        for question in itertools.islice(questions, 30):  # and questions keep coming
            answer = asker.ask(question)
            asked += 1
            if NO_MEETING in str(answer["answer"]):
                wrong.append(str(answer["answer"]))
            time.sleep(0.05)

        assert asked >= 40
        assert wrong == [], f"{len(wrong)} of {asked} answers denied a meeting that exists"
        for question in GONE:
            answer = asker.ask(question)
            assert answer["answered"] and str(answer["answer"]).startswith("Yes."), answer
        assert asker.close() == 0
    finally:
        if asker.proc.poll() is None:
            asker.proc.kill()
            asker.proc.wait(timeout=5)


# -- a file removed while the knowledge base is read -------------------------------------------


@pytest.mark.parametrize("vanishes_at", [1, 2, 3])
def test_file_removed_between_listing_and_reading_is_neither_reported_nor_served(
        small_kb: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        vanishes_at: int) -> None:
    """The file is listed with the others, then removed just before its ``vanishes_at``-th
    opening (whichever reading of the files that is): as when a probe or an editor's backup
    file is created and deleted at once."""
    monkeypatch.setenv("MEETBOT_CACHE", "off")
    live = LiveKnowledge(small_kb)
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    engine = live.engine
    probe = small_kb / "zz-probe.yaml"
    probe.write_text("faq: []\n", encoding="utf-8")
    opened = 0
    real_open = os.open

    def open_vanishing(path: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal opened
        if isinstance(path, str | Path) and Path(path) == probe:
            opened += 1
            if opened == vanishes_at:
                os.unlink(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_vanishing)
    caplog.set_level(logging.DEBUG)

    assert live.reload() is None

    assert opened >= vanishes_at, "the probe was never read"
    assert heard == [], "nobody is told about a file that came and went"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert live.problems == []
    assert live.engine is engine
    assert live.engine.ask("when did valtonen meet okonkwo").answered


# -- an edit that drops most of the knowledge base --------------------------------------------


def test_shrinking_edit_is_held_back_then_served_after_the_grace_period(
        live: LiveKnowledge, knowledge: Path, clock: Clock,
        heard: list[list[Problem] | None], caplog: pytest.LogCaptureFixture) -> None:
    engine = live.engine
    meetings = knowledge / "meetings.yaml"
    meetings.write_text(first_meetings(meetings.read_text(encoding="utf-8"), 2),
                        encoding="utf-8")

    problems = live.reload()

    assert problems, "a reload losing 3 of 5 meetings must be held back"
    assert [Path(p.file).name for p in problems] == ["meetings.yaml"]
    assert "3 of 5 meetings would disappear" in problems[0].message
    assert "kosherbayev-kamp-2025" in problems[0].message
    assert "/reload" in problems[0].message
    assert heard == [problems], "listeners (the admins) hear it once"
    assert any(r.levelno == logging.WARNING and "held back" in r.getMessage()
               for r in caplog.records)
    assert live.engine is engine
    assert all(says_they_met(live, question) for question in GONE)

    clock.now += HOLD_SECONDS / 2
    assert live.reload() == problems, "still within the grace period: still held back"
    assert len(heard) == 1, "the same held-back state is not reported twice"
    assert live.engine is engine

    clock.now += HOLD_SECONDS  # the files stayed like this: the curator meant it
    assert live.reload() is None
    assert heard[-1] is None and len(heard) == 2
    assert live.problems == []
    assert len(live.engine.kb.meetings) == 2
    assert NO_MEETING in live.engine.ask("did kosherbayev meet kamp?").text


def test_forced_reload_serves_a_held_back_edit_at_once(
        live: LiveKnowledge, knowledge: Path, heard: list[list[Problem] | None]) -> None:
    meetings = knowledge / "meetings.yaml"
    meetings.write_text(first_meetings(meetings.read_text(encoding="utf-8"), 2),
                        encoding="utf-8")
    assert live.reload()
    assert says_they_met(live, "did kosherbayev meet kamp?")

    assert live.reload(force=True) is None  # what /reload does

    assert heard[-1] is None
    assert len(live.engine.kb.meetings) == 2
    assert NO_MEETING in live.engine.ask("did kosherbayev meet kamp?").text


def test_undone_shrinking_edit_is_never_served_and_a_small_edit_is_served_at_once(
        live: LiveKnowledge, knowledge: Path, clock: Clock,
        heard: list[list[Problem] | None]) -> None:
    engine = live.engine
    meetings = knowledge / "meetings.yaml"
    good = meetings.read_text(encoding="utf-8")
    meetings.write_text("meetings: []\n", encoding="utf-8")
    assert live.reload()
    meetings.write_text(good, encoding="utf-8")
    clock.now += 2 * HOLD_SECONDS

    assert live.reload() is None

    assert live.engine is engine
    assert len(heard) == 2 and heard[0] and heard[1] is None
    assert live.problems == []

    meetings.write_text(without_entry(good, "kosherbayev-kamp-2025"), encoding="utf-8")
    assert live.reload() is None, "one meeting of five removed is an ordinary edit"
    assert len(heard) == 3 and heard[2] is None
    assert NO_MEETING in live.engine.ask("did kosherbayev meet kamp?").text


def test_losing_an_intent_the_bot_answers_is_held_back(
        small_kb: Path, heard: list[list[Problem] | None], clock: Clock) -> None:
    live = LiveKnowledge(small_kb, clock=clock)
    live.subscribe(heard.append)
    intents = small_kb / "intents.yaml"
    intents.write_text(without_entry(intents.read_text(encoding="utf-8"), "did_meet"),
                       encoding="utf-8")

    problems = live.reload()

    assert problems and [Path(p.file).name for p in problems] == ["intents.yaml"]
    assert "did_meet" in problems[0].message
    assert live.engine.ask("did valtonen meet okonkwo?").intent == "did_meet"
    assert live.reload(force=True) is None
    assert live.engine.ask("did valtonen meet okonkwo?").intent != "did_meet"


def test_watcher_serves_a_held_back_edit_once_the_grace_period_has_passed(
        small_kb: Path) -> None:
    live = LiveKnowledge(small_kb, hold=0.5)
    try:
        live.watch()
        wait_until_watching(live, small_kb)
        heard: list[list[Problem] | None] = []
        live.subscribe(heard.append)
        engine = live.engine
        (small_kb / "meetings.yaml").write_text("meetings: []\n", encoding="utf-8")
        deadline = time.monotonic() + 5
        while not heard:
            assert time.monotonic() < deadline, "the shrinking edit was never reported"
            time.sleep(0.05)
        assert heard[0] and "1 of 1 meetings would disappear" in heard[0][0].message
        while len(heard) < 2:  # no further edit: the watcher takes it when the time is up
            assert time.monotonic() < deadline, "the held-back edit was never served"
            time.sleep(0.05)
        assert heard[1] is None
        assert live.engine is not engine and not live.engine.kb.meetings
    finally:
        live.stop()
