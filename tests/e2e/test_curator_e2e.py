"""Curating a running bot: knowledge edits reach Telegram users without a restart.

The real Application long-polls the Bot API emulator with live reload watching a copy of the
project's knowledge base in ``tmp_path``. The tests edit that copy as a curator would (saving
whole files, as editors do) and read what a user and an admin (``Settings.admin_ids``) get:

* a good edit (a new alias, a new FAQ phrasing) is answered within a few seconds;
* a broken edit (a forged quote, a YAML syntax error) leaves the last good knowledge base
  serving, and the admin gets one message naming ``file:line``, not repeated while the
  problems stay the same (the broken file saved again, or another file edited meanwhile);
* the repaired edit is served, and the admin hears that it is fixed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from meetbot.errors import Problem
from meetbot.frontends.telegram.app import build_application, post_init, post_shutdown
from meetbot.frontends.telegram.settings import Settings
from meetbot.store.live import LiveKnowledge

from .client import BotMessage, TelegramUser
from .conftest import REPO_ROOT, Emulator
from .ptb_thread import AnyApplication, BotThread

pytestmark = pytest.mark.e2e

ADMIN_ID = 4_000_002
EDIT_TIMEOUT = 5.0
"""How long a saved edit may take to reach users ("within about a second" is the promise)."""
QUIET = 1.5
"""How long to listen for a notice that must not come (the watcher reacts within ~0.6 s:
it waits for the files to settle, then loads them)."""

# A misspelling of Kosherbayev that neither the shipped aliases nor fuzzy matching cover.
NEW_ALIAS = "Koszerbajew"
ALIAS_ANCHOR = '      - "Kosherbaev"\n'
ALIAS_QUESTION = f"who is {NEW_ALIAS}?"
MINISTER = "Yermek Kosherbayev is the Minister of Foreign Affairs"
KT = 'href="https://www.kt.kz/'

# A phrasing of the FAQ entry aif-purpose that the shipped phrasings do not cover.
NEW_PHRASING = "what was the forum in astana set up to do"
PHRASING_ANCHOR = '      - "what is the astana forum for"\n'
FORUM = "a new platform aimed at strengthening ties between the West and the East"
AKORDA = 'href="https://akorda.kz/'

# Served throughout: proves the last good knowledge base keeps answering.
KNOWN_QUESTION = "when did tokaev meet shmid"
KNOWN_ANSWER = "7 June 2023"

ROLE_QUOTE = ('quote: "Minister of Foreign Affairs of the Republic of Kazakhstan '
              'Yermek Kosherbayev"')
FORGED_QUOTE = ('quote: "Deputy Prime Minister and Minister of Foreign Affairs of the Republic '
                'of Kazakhstan Yermek Kosherbayev"')
NAME_LINE = 'name: "Yermek Kosherbayev"'
BAD_NAME_LINE = "name: Yermek: Kosherbayev"  # `key: value: more`, a YAML syntax error


# -- editing the knowledge files as a curator ---------------------------------------------------


def save(path: Path, text: str) -> None:
    """Save ``text`` to ``path`` whole (a temporary file renamed over it, as editors do)."""
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def insert_after(text: str, anchor: str, new_line: str) -> str:
    index = text.index(anchor) + len(anchor)
    return text[:index] + new_line + text[index:]


def with_alias(people: str) -> str:
    return insert_after(people, ALIAS_ANCHOR, f'      - "{NEW_ALIAS}"\n')


def with_phrasing(faq: str) -> str:
    return insert_after(faq, PHRASING_ANCHOR, f'      - "{NEW_PHRASING}"\n')


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` where ``fragment`` starts."""
    return text[:text.index(fragment)].count("\n") + 1


# -- the running bot ---------------------------------------------------------------------------


@dataclass
class Curated:
    """The running bot, its knowledge directory, a user and an admin talking to it."""

    knowledge: Path
    user: TelegramUser
    admin: TelegramUser

    @property
    def people(self) -> Path:
        return self.knowledge / "people.yaml"

    @property
    def faq(self) -> Path:
        return self.knowledge / "faq.yaml"


def wait_until_watching(live: LiveKnowledge, directory: Path, timeout: float = 10.0) -> None:
    """Return once the background watcher reacts to edits (it arms asynchronously).

    Saves a harmless extra knowledge file until a reload is heard, then removes it and waits
    for that reload too, so the tests start from the copied knowledge base, watched. Every
    save has the same content: the watcher waits for the files to settle.
    """
    heard: list[list[Problem] | None] = []
    live.subscribe(heard.append)
    probe = directory / "zz-probe.yaml"
    deadline = time.monotonic() + timeout
    attempt = 0
    while not heard:
        assert time.monotonic() < deadline, "the watcher never reacted to an edit"
        if attempt % 4 == 0:
            save(probe, "# probe\nfaq: []\n")
        attempt += 1
        time.sleep(0.05)
    heard.clear()
    probe.unlink()
    while None not in heard:
        assert time.monotonic() < deadline, "the watcher missed the probe's removal"
        time.sleep(0.05)


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A copy of the project's knowledge base, safe to edit and break."""
    target = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", target, ignore=shutil.ignore_patterns("drafts"))
    return target


@pytest.fixture
def curated(emulator: Emulator, bot_token: str, knowledge: Path, telegram_user: TelegramUser,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Curated]:
    """The real meetbot Application polling the emulator, live-reloading ``knowledge``.

    It runs from the directory holding ``knowledge/``, as ``make run`` does in the project.
    """
    monkeypatch.chdir(knowledge.parent)
    live = LiveKnowledge(knowledge)
    settings = Settings(token=bot_token, live=live, admin_ids=frozenset({ADMIN_ID}),
                        base_url=emulator.url)
    app: AnyApplication = build_application(settings)
    admin = TelegramUser(emulator.url, bot_token, user_id=ADMIN_ID, first_name="Curator")
    try:
        with BotThread(app, poll_timeout=5) as running:
            running.call(post_init(app))  # run_polling would; it starts the watcher
            try:
                wait_until_watching(live, knowledge)
                yield Curated(knowledge, telegram_user, admin)
            finally:
                running.call(post_shutdown(app))
    finally:
        admin.close()


def ask(user: TelegramUser, question: str) -> str:
    """Send ``question``; return the bot's reply (Telegram HTML)."""
    user.send_text(question)
    [reply] = user.wait_for_bot_messages(1, timeout=10)
    return reply.text or ""


def ask_until(user: TelegramUser, question: str, expected: str,
              timeout: float = EDIT_TIMEOUT) -> tuple[str, float]:
    """Ask ``question`` until the reply contains ``expected``; return it and the time taken."""
    started = time.monotonic()
    while True:
        reply = ask(user, question)
        elapsed = time.monotonic() - started
        if expected in reply:
            return reply, elapsed
        if elapsed > timeout:
            raise AssertionError(f"{question!r} not answered with {expected!r} within "
                                 f"{timeout}s of the edit; last reply: {reply!r}")
        time.sleep(0.1)


def admin_notice(curated: Curated) -> str:
    """The next message the admin receives (within EDIT_TIMEOUT)."""
    notice: BotMessage
    [notice] = curated.admin.wait_for_bot_messages(1, timeout=EDIT_TIMEOUT, chat_id=ADMIN_ID)
    return notice.text or ""


def assert_still_serving(curated: Curated) -> None:
    reply = ask(curated.user, KNOWN_QUESTION)
    assert KNOWN_ANSWER in reply and AKORDA in reply, reply


# -- the tests ---------------------------------------------------------------------------------


def test_new_alias_and_faq_phrasing_are_answered_without_a_restart(curated: Curated) -> None:
    user = curated.user
    assert MINISTER not in ask(user, ALIAS_QUESTION)
    assert FORUM not in ask(user, NEW_PHRASING)

    save(curated.people, with_alias(curated.people.read_text(encoding="utf-8")))
    reply, took = ask_until(user, ALIAS_QUESTION, MINISTER)
    assert KT in reply, "the answer cites its source"
    print(f"\nnew alias answered {took:.2f}s after the save")

    save(curated.faq, with_phrasing(curated.faq.read_text(encoding="utf-8")))
    reply, took = ask_until(user, NEW_PHRASING, FORUM)
    assert AKORDA in reply
    print(f"new FAQ phrasing answered {took:.2f}s after the save")

    assert_still_serving(curated)
    curated.admin.assert_no_bot_messages(wait=0.2, chat_id=ADMIN_ID)  # good edits are silent


def test_forged_quote_keeps_the_last_good_base_and_tells_the_admin_once(
        curated: Curated) -> None:
    good = curated.people.read_text(encoding="utf-8")
    # one save that adds an alias and forges a quote: none of it may be served
    broken = with_alias(good).replace(ROLE_QUOTE, FORGED_QUOTE, 1)
    line = line_of(broken, FORGED_QUOTE)
    save(curated.people, broken)

    notice = admin_notice(curated)
    assert "rejected" in notice and "last good knowledge base" in notice, notice
    assert f"\npeople.yaml:{line}: quote not found in source 'kt-2025-12-06'" in notice, notice
    assert str(curated.knowledge) not in notice, "paths are relative to the knowledge directory"

    assert_still_serving(curated)
    assert MINISTER not in ask(curated.user, ALIAS_QUESTION), "half a broken edit was served"

    save(curated.people, broken)  # saved again, unchanged: the same broken state
    curated.admin.assert_no_bot_messages(wait=QUIET, chat_id=ADMIN_ID)
    assert_still_serving(curated)

    save(curated.people, with_alias(good))  # repaired, alias kept
    reply, _ = ask_until(curated.user, ALIAS_QUESTION, MINISTER)
    assert KT in reply
    assert "fixed" in admin_notice(curated)
    curated.admin.assert_no_bot_messages(wait=0.2, chat_id=ADMIN_ID)


def test_yaml_syntax_error_is_reported_once_and_the_repair_is_served(
        curated: Curated) -> None:
    good_people = curated.people.read_text(encoding="utf-8")
    broken = good_people.replace(NAME_LINE, BAD_NAME_LINE, 1)
    line = line_of(broken, BAD_NAME_LINE)
    save(curated.people, broken)

    notice = admin_notice(curated)
    assert f"\npeople.yaml:{line}: YAML error" in notice, notice
    assert_still_serving(curated)
    reply = ask(curated.user, "who is Kosherbayev?")
    assert MINISTER in reply, "the person whose entry is broken is still served"

    # until the file is fixed, other edits wait: a new FAQ phrasing is not served yet
    save(curated.faq, with_phrasing(curated.faq.read_text(encoding="utf-8")))
    save(curated.people, broken)  # and saving the broken file again repeats nothing
    curated.admin.assert_no_bot_messages(wait=QUIET, chat_id=ADMIN_ID)
    assert FORUM not in ask(curated.user, NEW_PHRASING)

    save(curated.people, good_people)  # repaired: the waiting FAQ edit is served with it
    reply, _ = ask_until(curated.user, NEW_PHRASING, FORUM)
    assert AKORDA in reply
    assert "fixed" in admin_notice(curated)
    assert_still_serving(curated)
    curated.admin.assert_no_bot_messages(wait=0.2, chat_id=ADMIN_ID)
