"""Live reload: a good edit is served without a restart, a broken one never replaces the
last good knowledge base, and the curator hears about each broken state once."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from kbfactory import add_alias, append, edit_line, replace_line
from meetbot.domain.dialogue import Context
from meetbot.errors import Problem
from meetbot.store.live import LiveKnowledge

NEW_ALIAS = "Quillbright"
"""A nickname the small knowledge base does not know until a test adds it."""
QUESTION = f"who is {NEW_ALIAS}?"


@pytest.fixture
def live(small_kb: Path) -> Iterator[LiveKnowledge]:
    knowledge = LiveKnowledge(small_kb)
    yield knowledge
    knowledge.stop()


def knows_alias(live: LiveKnowledge) -> bool:
    answer = live.engine.ask(QUESTION)
    return answer.answered and answer.intent == "who_is" and "Ingrid Valtonen" in answer.text


def break_people(small_kb: Path, value: str = '"Ingrid Valtonen') -> int:
    """Make people.yaml invalid YAML (an unclosed quote); return the line broken."""
    return edit_line(small_kb / "people.yaml", 'name: "Ingrid Valtonen"', f"name: {value}")


def test_new_alias_is_answered_after_reload(live: LiveKnowledge, small_kb: Path) -> None:
    assert not knows_alias(live)
    add_alias(small_kb / "people.yaml", "Valtonen", NEW_ALIAS)
    assert live.reload() is None
    assert knows_alias(live)
    assert live.problems == []


def test_replaced_engines_are_freed(live: LiveKnowledge, small_kb: Path) -> None:
    replaced = []
    for number in range(3):
        replaced.append(weakref.ref(live.engine))
        add_alias(small_kb / "people.yaml", "Valtonen", f"{NEW_ALIAS}{number}")
        assert live.reload() is None
    gc.collect()
    assert [ref() for ref in replaced] == [None, None, None]
    assert live.engine is not None


def test_reload_without_changes_keeps_the_same_engine(live: LiveKnowledge) -> None:
    engine = live.engine
    assert live.reload() is None
    assert live.engine is engine


def test_broken_edit_keeps_the_old_engine_serving(live: LiveKnowledge, small_kb: Path) -> None:
    engine = live.engine
    before = live.engine.ask("when did valtonen meet okonkwo")
    add_alias(small_kb / "people.yaml", "Valtonen", NEW_ALIAS)
    line = break_people(small_kb)

    problems = live.reload()

    assert problems, "a broken edit must be reported"
    located = [p for p in problems if p.file.endswith("people.yaml")]
    assert located and located[0].line is not None
    assert abs(located[0].line - line) <= 3, f"error at line {located[0].line}, broke {line}"
    assert "YAML" in located[0].message
    assert live.engine is engine
    assert not knows_alias(live), "half of a broken edit must not be served"
    after = live.engine.ask("when did valtonen meet okonkwo")
    assert after.answered and after.text == before.text


def test_listener_hears_once_per_broken_state(live: LiveKnowledge, small_kb: Path) -> None:
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    people = small_kb / "people.yaml"

    break_people(small_kb)
    broken = people.read_text(encoding="utf-8")
    assert live.reload()
    assert len(heard) == 1 and heard[0]

    assert live.reload(), "still broken: the problems are returned again"
    people.write_text(broken, encoding="utf-8")  # saved again, same broken content
    assert live.reload()
    assert len(heard) == 1, "the same broken state must not be reported twice"

    roles_line = append(small_kb / "roles.yaml", "  - id: [oops\n")  # a second breakage
    assert live.reload()
    assert len(heard) == 2 and heard[1]
    assert any(p.file.endswith("roles.yaml") and p.line in (roles_line, roles_line + 1)
               for p in heard[1])

    # Repair both, with a new alias so the repaired state differs from the first one.
    edit_line(people, 'name: "Ingrid Valtonen', 'name: "Ingrid Valtonen"')
    add_alias(people, "Valtonen", NEW_ALIAS)
    replace_line(small_kb / "roles.yaml", "[oops", "")
    assert live.reload() is None
    assert len(heard) == 3 and heard[2] is None
    assert knows_alias(live)

    people.write_text(broken, encoding="utf-8")  # broken again after a repair: a new state
    assert live.reload()
    assert len(heard) == 4 and heard[3]


def test_undoing_a_broken_edit_clears_the_problems(live: LiveKnowledge, small_kb: Path) -> None:
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    people = small_kb / "people.yaml"
    good = people.read_text(encoding="utf-8")
    break_people(small_kb)
    assert live.reload()

    people.write_text(good, encoding="utf-8")  # the curator presses "undo" and saves
    assert live.reload() is None
    assert live.problems == []
    assert heard[-1] is None, "the console/admins must hear that the edit is fixed"


def test_forced_reload_reports_again(live: LiveKnowledge, small_kb: Path) -> None:
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    break_people(small_kb)
    assert live.reload()
    assert live.reload(force=True)
    assert len(heard) == 2, "/reload must always tell the curator what is wrong"


def test_repaired_edit_is_picked_up(live: LiveKnowledge, small_kb: Path) -> None:
    add_alias(small_kb / "people.yaml", "Valtonen", NEW_ALIAS)
    break_people(small_kb)
    assert live.reload()
    assert not knows_alias(live)

    edit_line(small_kb / "people.yaml", 'name: "Ingrid Valtonen', 'name: "Ingrid Valtonen"')
    assert live.reload() is None
    assert knows_alias(live)
    assert live.problems == []


def test_forged_quote_is_rejected_on_reload(live: LiveKnowledge, small_kb: Path) -> None:
    engine = live.engine
    line = edit_line(small_kb / "meetings.yaml", "must share every flood forecast",
                     "must never share a flood forecast")
    problems = live.reload()
    assert problems
    assert [(Path(p.file).name, p.line) for p in problems] == [("meetings.yaml", line)]
    assert "quote not found" in problems[0].message
    assert live.engine is engine


def test_conversation_context_survives_a_reload(live: LiveKnowledge, small_kb: Path) -> None:
    first = live.engine.ask("when did valtonen meet okonkwo", Context())
    add_alias(small_kb / "people.yaml", "Valtonen", NEW_ALIAS)
    assert live.reload() is None
    follow_up = live.engine.ask("what did they discuss?", first.context)
    assert follow_up.answered
    assert "Nordra river basin" in follow_up.text


def test_deeply_nested_edit_is_reported_not_raised(live: LiveKnowledge, small_kb: Path) -> None:
    engine = live.engine
    append(small_kb / "faq.yaml", "deep: " + "[" * 1500 + "]" * 1500 + "\n")
    problems = live.reload()
    assert problems and problems[0].file.endswith("faq.yaml")
    assert live.engine is engine


def wait_until_watching(live: LiveKnowledge, directory: Path) -> None:
    """Return once the background watcher reacts to edits (it arms asynchronously).

    Writes a harmless, valid extra knowledge file until a reload is heard, so no fixed
    sleep is needed; the probe file is removed again (and that removal reloaded) after.
    Every write has the same content: the watcher waits for the files to settle.
    """
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    probe = directory / "zz-probe.yaml"
    deadline = time.monotonic() + 5
    attempt = 0
    while not heard:
        assert time.monotonic() < deadline, "the watcher never reacted to an edit"
        if attempt % 4 == 0:
            probe.write_text("# probe\nfaq: []\n", encoding="utf-8")
        attempt += 1
        time.sleep(0.05)
    assert heard == [None] * len(heard)
    heard.clear()
    probe.unlink()
    while not heard:
        assert time.monotonic() < deadline + 5, "the watcher missed the probe's removal"
        time.sleep(0.05)


def test_watcher_picks_up_a_new_alias(live: LiveKnowledge, small_kb: Path) -> None:
    assert not knows_alias(live)
    live.watch()
    wait_until_watching(live, small_kb)
    add_alias(small_kb / "people.yaml", "Valtonen", NEW_ALIAS)
    deadline = time.monotonic() + 5
    while not knows_alias(live):
        assert time.monotonic() < deadline, "the watcher did not reload within 5 s"
        time.sleep(0.05)
    assert live.problems == []


def test_watcher_keeps_serving_through_a_broken_edit(live: LiveKnowledge,
                                                     small_kb: Path) -> None:
    live.watch()
    wait_until_watching(live, small_kb)
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    engine = live.engine
    line = break_people(small_kb)
    deadline = time.monotonic() + 5
    while not heard:
        assert time.monotonic() < deadline, "the watcher did not report the broken edit"
        time.sleep(0.05)
    problems = heard[0]
    assert problems and any(p.file.endswith("people.yaml") and p.line is not None
                            and abs(p.line - line) <= 3 for p in problems)
    assert live.engine is engine
    assert live.engine.ask("when did valtonen meet okonkwo").answered


def test_edit_saved_before_watching_starts_is_picked_up(live: LiveKnowledge,
                                                         small_kb: Path) -> None:
    add_alias(small_kb / "people.yaml", "Valtonen", NEW_ALIAS)  # after load, before watch()
    live.watch()
    deadline = time.monotonic() + 1.5  # "within about a second" (issue 4)
    while not knows_alias(live):
        assert time.monotonic() < deadline, "the edit was never picked up"
        time.sleep(0.05)
