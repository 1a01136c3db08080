"""A running `meetbot ask --json -` process follows knowledge edits without a restart."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEW_ALIAS = "Quetzalcoatlus Tokayev"  # a name nobody would ask about unless it were curated


class AskProcess:
    """`meetbot ask --json -` as a child process, one question in, one JSON line out."""

    def __init__(self, knowledge: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "meetbot", "ask", "--json", "-", "--knowledge",
             str(knowledge)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=ROOT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.errors.append),
                         daemon=True).start()

    @staticmethod
    def _pump(stream: object, sink: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink(line)  # type: ignore[operator]

    def ask(self, question: str, timeout: float = 10.0) -> dict[str, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        return json.loads(self.lines.get(timeout=timeout))  # type: ignore[no-any-return]

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=10)


def until(predicate: object, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target, ignore=shutil.ignore_patterns("drafts"))
    return target


@pytest.fixture
def asker(knowledge: Path) -> Iterator[AskProcess]:
    process = AskProcess(knowledge)
    yield process
    if process.proc.poll() is None:
        process.proc.kill()
        process.proc.wait(timeout=5)


def add_alias(knowledge: Path, alias: str) -> None:
    people = knowledge / "people.yaml"
    text = people.read_text(encoding="utf-8")
    marker = "    aliases:\n"
    index = text.index(marker, text.index("id: tokayev")) + len(marker)
    people.write_text(text[:index] + f'      - "{alias}"\n' + text[index:], encoding="utf-8")


def test_running_ask_process_follows_good_broken_and_repaired_edits(
        knowledge: Path, asker: AskProcess) -> None:
    question = f"who is {NEW_ALIAS}?"
    before = asker.ask(question)
    assert before["intent"] != "who_is" or "Kassym-Jomart Tokayev" not in str(before["answer"])

    add_alias(knowledge, NEW_ALIAS)
    assert until(lambda: "Kassym-Jomart Tokayev" in str(asker.ask(question)["answer"])), \
        "the new alias was not picked up without a restart"

    meetings = knowledge / "meetings.yaml"
    good = meetings.read_text(encoding="utf-8")
    broken_line = good.splitlines().index(
        next(line for line in good.splitlines() if "quote:" in line)) + 1
    meetings.write_text(good.replace("quote: ", "quote: FORGED ", 1), encoding="utf-8")
    assert until(lambda: any(f"meetings.yaml:{broken_line}" in e for e in asker.errors)), \
        "the broken edit was not reported with file:line"
    still = asker.ask("when did tokaev meet shmid")
    assert still["answered"] and "7 June 2023" in str(still["answer"])
    assert "Kassym-Jomart Tokayev" in str(asker.ask(question)["answer"])

    meetings.write_text(good, encoding="utf-8")
    add_alias(knowledge, "Xylophone Kosherbayev-Tokayev")
    assert until(lambda: "Kassym-Jomart Tokayev" in str(
        asker.ask("who is Xylophone Kosherbayev-Tokayev?")["answer"])), \
        "the repaired knowledge base was not picked up"
    assert asker.close() == 0
