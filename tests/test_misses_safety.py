"""The misses log under several writing processes, and what it keeps of a question.

Eight console-like processes append to one log at once, with a small size cap so that it
rotates dozens of times while they write; and questions carrying e-mail addresses, phone
numbers, passwords and keys are logged with those replaced by placeholders.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from kbfactory import PROJECT_ROOT, REAL_KNOWLEDGE
from meetbot.curation.misses import MissLog, log_files, report
from meetbot.curation.misses import log as misses_log
from meetbot.domain.answer import Answer

WRITERS = 8
RECORDS = 150
MAX_BYTES = 4096
BACKUPS = 100
"""Room for every record the writers make: none is rotated out, so each must be found."""

WRITER = """
import sys, time
from pathlib import Path
from meetbot.domain.answer import Answer
from meetbot.curation.misses import MissLog

path, writer, records, max_bytes, backups = sys.argv[1:6]
log = MissLog(Path(path), max_bytes=int(max_bytes), backups=int(backups), salt="test")
Path(path).with_name(f"ready-{writer}").touch()
go = Path(path).with_name("go")
while not go.exists():
    time.sleep(0.001)
failed = 0
for number in range(int(records)):
    question = f"writer {writer} question {number} about the osce budget " + "x" * (number % 40)
    answer = Answer(question, False, "I don't have that.", None, 0.0, kind="decline")
    failed += not log.record(answer, chat=writer)
print(failed)
"""


def decline(question: str) -> Answer:
    """A decline without a route (the engine's shape for questions with no words)."""
    return Answer(question, False, "I don't have that in my knowledge base.", None, 0.0,
                  kind="decline")


def run_writers(path: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Start the writers, let them all begin at once, and wait for them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(writer), str(RECORDS), str(MAX_BYTES),
         str(BACKUPS)], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8") for writer in range(WRITERS)]
    try:
        deadline = time.monotonic() + 60
        while not all(path.with_name(f"ready-{n}").exists() for n in range(WRITERS)):
            assert all(p.poll() is None for p in procs), "a writer died while starting"
            assert time.monotonic() < deadline, "the writers did not start"
            time.sleep(0.01)
        path.with_name("go").touch()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_eight_processes_rotating_at_once_lose_no_miss(tmp_path: Path,
                                                       cli_env: dict[str, str]) -> None:
    path = tmp_path / "log" / "misses.jsonl"
    results = run_writers(path, cli_env)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "0", result.stderr  # every record() said "written"
        assert "cannot write" not in result.stderr
    files = log_files(path)
    assert len(files) > 20  # it did rotate, many times, while they wrote
    assert len(files) <= BACKUPS  # and nothing was rotated out
    seen: Counter[tuple[str, str]] = Counter()
    longest = 0
    for file in files:
        lines = file.read_bytes().split(b"\n")
        assert lines[-1] == b"", f"{file.name} ends in a partial line"
        for line in lines[:-1]:
            entry = json.loads(line)  # every line is whole, valid JSON
            words = entry["question"].split()
            seen[(words[1], words[3])] += 1
            longest = max(longest, len(line) + 1)
    expected = {(str(w), str(n)) for w in range(WRITERS) for n in range(RECORDS)}
    assert set(seen) == expected, f"{len(expected - set(seen))} of {len(expected)} misses lost"
    assert max(seen.values()) == 1  # and none twice
    # every rotated file was full: it was rotated because the next line did not fit
    for backup in files[:-1]:
        assert MAX_BYTES - longest < backup.stat().st_size <= MAX_BYTES, (
            backup.name, backup.stat().st_size)
    assert path.stat().st_size <= MAX_BYTES


HOLDER = """
import fcntl, sys
handle = open(sys.argv[1], "a")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_writer_stuck_holding_the_lock_costs_a_miss_not_an_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "misses.jsonl"
    log = MissLog(path, salt="test")
    assert log.record(decline("who funds the osce"))
    monkeypatch.setattr(misses_log, "LOCK_TIMEOUT", 0.2)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / ".misses.jsonl.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with caplog.at_level(logging.WARNING, logger="meetbot.curation.misses"):
            assert log.record(decline("what is the osce budget")) is False
            assert log.record(decline("what is the osce budget")) is False
    finally:
        holder.communicate("", timeout=30)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "stayed locked" in warnings[0]
    assert log.record(decline("who chairs the osce"))  # once the lock is free, writing resumes
    assert [json.loads(line)["question"] for line in path.read_text().splitlines()] == [
        "who funds the osce", "who chairs the osce"]


def test_private_data_is_redacted_before_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "misses.jsonl"
    log = MissLog(path, salt="test")
    questions = {
        "my email is john.doe+osce@example.kz, who funds the osce?":
            "my email is [email], who funds the osce?",
        "call me on +7 701 123 45 67 about the osce budget":
            "call me on [phone] about the osce budget",
        "or on 8 (701) 123-45-67 or 87011234567 about the osce budget":
            "or on [phone] or [phone] about the osce budget",
        "my london number +44 20 7946 0958, who heads odihr":
            "my london number [phone], who heads odihr",
        "my password is hunter2 what is odihr": "my password is [secret] what is odihr",
        "пароль: qwerty123 кто глава бдипч": "пароль: [secret] кто глава бдипч",
        "bot token 123456789:AAHk3dF9sLq2Zx8Vb7Nm4Pq1Rt6Yu0Io3Ep does not work":
            "bot token [secret] does not work",
        "api key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 for osce data":
            "api key [secret] for osce data",
        "use sk-proj-Xy12Ab34Cd56Ef78Gh90Ij12Kl34 and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"
        "DEF123_-x to log in": "use [secret] and [secret] to log in",
        "secret=dGhpcyBpcyBhIHNlY3JldCBrZXk0MjQy why": "secret=[secret] why",
    }
    ordinary = ["when did tokaev meet shmid on 7 June 2023?",
                "what happened at the 32nd OSCE Ministerial Council on 2025-12-06",
                "what did they discuss between 2010 and 2023",
                "is https://akorda.kz/en/president-tokayev-meets-with-osce-secretary-general"
                "-helga-schmid-753831 the source",
                "who holds the password to the osce archive",
                "who is Feridun Sinirlioglu"]
    for question in [*questions, *ordinary]:
        assert log.record(decline(question), chat=1)
    raw = path.read_text(encoding="utf-8")
    for private in ("john.doe", "example.kz", "701 123", "123-45-67", "87011234567",
                    "7946", "hunter2", "qwerty123", "AAHk3dF9", "123456789:",
                    "9f86d081884c", "sk-proj", "Xy12Ab34", "eyJhbGci", "dGhpcyBp"):
        assert private not in raw, private
    written = [json.loads(line)["question"] for line in raw.splitlines()]
    assert written == [*questions.values(), *ordinary]


def test_redacted_questions_still_group_in_the_report(tmp_path: Path) -> None:
    path = tmp_path / "misses.jsonl"
    log = MissLog(path, salt="test")
    for number in range(4):
        assert log.record(decline(f"my email is user{number}@mail.kz who funds the osce"),
                          chat=number)
        assert log.record(decline(f"call +7 701 555 {number:02d} {number + 10:02d} "
                                  "about the osce chairpersonship"), chat=number)
    text = report(path, REAL_KNOWLEDGE)
    assert text.startswith("8 missed question(s)")
    assert "mail.kz" not in text and "701 555" not in text
    assert '    e.g. "my email is [email] who funds the osce"  (x4)' in text
    assert '    e.g. "call [phone] about the osce chairpersonship"  (x4)' in text
    assert text.count("\n== ") == 2
