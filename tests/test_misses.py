"""The missed-questions log (:class:`meetbot.curation.misses.MissLog`) and ``meetbot misses``.

The log is fed by a real engine over the shipped knowledge base; the report runs on a
generated log of 200 misses: five clusters of paraphrases (with typos) and some noise.
"""

from __future__ import annotations

import json
import logging
import random
import re
import shutil
import stat
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz

from kbfactory import PROJECT_ROOT, REAL_KNOWLEDGE
from meetbot.answers.engine import Engine
from meetbot.curation.misses import (
    MissLog,
    default_log_path,
    group_misses,
    log_files,
    miss_log_from_env,
    read_misses,
    report,
)
from meetbot.domain.answer import Answer
from meetbot.domain.schema import FaqEntry
from meetbot.store import load
from meetbot.store.validation import validated

FIELDS = {"ts", "question", "kind", "confidence", "nearest", "nearest_example",
          "nearest_score", "suggestions", "chat"}
OUT_OF_SCOPE = ["what is the weather like in vienna", "who won the football world cup",
                "how many members does the osce have", "asdkjh qwe zzkx"]
LOW_CONFIDENCE = ["whta did kosherbayev sy abot media", "what is the osce budget",
                  "who chairs the osce in 2026", "how many participating states are in the osce"]
ANSWERED = ["when did tokaev meet shmid", "who heads odihr", "hello"]


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def decline(question: str) -> Answer:
    """A decline without a route (the engine's shape for questions with no words)."""
    return Answer(question, False, "I don't have that in my knowledge base.", None, 0.0,
                  kind="decline")


# -- recording ---------------------------------------------------------------------------


def test_only_declines_and_did_you_mean_are_recorded(tmp_path: Path,
                                                     shipped_engine: Engine) -> None:
    log = MissLog(tmp_path / "misses.jsonl", salt="test")
    kinds: Counter[str] = Counter()
    written = 0
    for question in OUT_OF_SCOPE + LOW_CONFIDENCE + ANSWERED:
        answer = shipped_engine.ask(question)
        kinds[answer.kind] += 1
        recorded = log.record(answer, chat=42)
        assert recorded == (answer.kind in ("decline", "clarify")), (question, answer.kind)
        written += recorded
    # the questions above do exercise both kinds that are logged, and some that are not
    assert kinds["decline"] >= 2 and kinds["clarify"] >= 1
    assert written < len(OUT_OF_SCOPE + LOW_CONFIDENCE + ANSWERED)
    entries = lines_of(tmp_path / "misses.jsonl")
    assert len(entries) == written
    for entry in entries:
        assert set(entry) == FIELDS
        assert entry["kind"] in ("decline", "clarify")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["ts"])
        assert 0.0 <= entry["confidence"] <= 1.0
    asked = {e["question"] for e in entries}
    assert "asdkjh qwe zzkx" in asked
    assert not asked & set(ANSWERED)
    clarify = [e for e in entries if e["kind"] == "clarify"]
    # a "did you mean" names the entry it nearly matched, and what it offered
    assert all(e["nearest"] and e["nearest_example"] and e["suggestions"] for e in clarify)


def test_long_questions_are_truncated_and_control_characters_dropped(tmp_path: Path) -> None:
    log = MissLog(tmp_path / "misses.jsonl", salt="test")
    assert log.record(decline("a\x00b\u200b " + "x" * 2000))
    (entry,) = lines_of(tmp_path / "misses.jsonl")
    assert len(entry["question"]) == 500
    assert entry["question"].startswith("ab x")
    assert entry["nearest"] is None and entry["chat"] is None


def test_no_chat_id_in_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEETBOT_MISSES_SALT", raising=False)
    path = tmp_path / "data" / "misses.jsonl"
    log = MissLog(path)
    chat_id = 987654321
    assert log.record(decline("who funds the osce"), chat=chat_id)
    assert log.record(decline("who funds the osce?"), chat=chat_id)
    assert log.record(decline("osce funding"), chat=-100123456789)
    assert log.record(decline("osce money"), chat="@some_user_name")
    raw = path.read_text(encoding="utf-8")
    for secret in ("987654321", "100123456789", "some_user_name"):
        assert secret not in raw
    hashes = [e["chat"] for e in lines_of(path)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", h) for h in hashes)
    assert hashes[0] == hashes[1] != hashes[2] != hashes[3]
    # the random salt is kept next to the log, private, and reused after a restart
    salt = path.with_name("misses.jsonl.salt")
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert MissLog(path).chat_hash(chat_id) == hashes[0]
    # a different salt gives unrelated hashes
    assert MissLog(path, salt="other").chat_hash(chat_id) != hashes[0]


def test_salt_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEETBOT_MISSES_SALT", "s3cret")
    a = MissLog(tmp_path / "a.jsonl").chat_hash(7)
    b = MissLog(tmp_path / "b.jsonl").chat_hash(7)
    assert a == b
    assert not (tmp_path / "a.jsonl.salt").exists()


def test_rotation_caps_the_size(tmp_path: Path) -> None:
    path = tmp_path / "misses.jsonl"
    log = MissLog(path, max_bytes=2000, backups=2, salt="test")
    for number in range(300):
        assert log.record(decline(f"question number {number} about the osce budget"), chat=1)
    files = log_files(path)
    assert [p.name for p in files] == ["misses.jsonl.2", "misses.jsonl.1", "misses.jsonl"]
    assert not path.with_name("misses.jsonl.3").exists()
    for file in files:
        assert file.stat().st_size <= 2000
        assert all(json.loads(line) for line in file.read_text().splitlines())
    misses, bad = read_misses(path)
    assert bad == 0
    # the newest lines survive, in order, oldest file first
    assert misses[-1].question == "question number 299 about the osce budget"
    numbers = [int(m.question.split()[2]) for m in misses]
    assert numbers == sorted(numbers) and len(numbers) < 300


def test_writing_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the log directory should be")
    log = MissLog(blocker / "misses.jsonl", salt="test")
    with caplog.at_level(logging.WARNING, logger="meetbot.curation.misses"):
        assert log.record(decline("who funds the osce")) is False
        assert log.record(decline("who funds the osce")) is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # said once, not once per question
    assert "cannot write the misses log" in warnings[0].getMessage()


def test_two_threads_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "misses.jsonl"
    log = MissLog(path, salt="test")

    def worker(name: str) -> None:
        for number in range(500):
            assert log.record(decline(f"{name} question {number} " + "ü" * (number % 50)),
                              chat=name)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = lines_of(path)
    assert len(entries) == 1000
    by_thread = Counter(e["question"].split()[0] for e in entries)
    assert by_thread == {"left": 500, "right": 500}


def test_default_log_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MEETBOT_MISSES", raising=False)
    monkeypatch.delenv("MEETBOT_DATA", raising=False)
    assert default_log_path() == PROJECT_ROOT / "data" / "misses.jsonl"
    monkeypatch.setenv("MEETBOT_DATA", str(tmp_path))
    assert default_log_path() == tmp_path / "misses.jsonl"
    monkeypatch.setenv("MEETBOT_MISSES", str(tmp_path / "x.jsonl"))
    assert default_log_path() == tmp_path / "x.jsonl"
    assert isinstance(miss_log_from_env(), MissLog)
    monkeypatch.setenv("MEETBOT_MISSES", "off")
    assert miss_log_from_env() is None
    assert default_log_path() == tmp_path / "misses.jsonl"


# -- the report --------------------------------------------------------------------------

CLUSTERS: dict[str, tuple[int, list[str]]] = {
    "budget": (60, ["what is the osce budget", "how big is the osce budget",
                    "osce budget 2025", "whats the budget of the osce",
                    "what is the annual budget of the osce", "how large is the osce's budget"]),
    "members": (45, ["how many member states does the osce have",
                     "osce member states", "how many participating states does the osce have",
                     "list the osce member states", "which states are osce members"]),
    "chair": (35, ["which country holds the osce chairpersonship", "osce chairpersonship",
                   "who holds the osce chairpersonship this year",
                   "which country has the osce chairpersonship in 2026"]),
    "weather": (25, ["whats the weather in astana", "what is the weather like in astana",
                     "weather in astana tomorrow", "will it rain in astana tomorrow"]),
    "media": (15, ["whta did kosherbayev sy abot his meetings",
                   "wht did kosherbayev sy abut his meetings",
                   "whta did kosherbaev sy about his meetings"]),
}
NOISE = 20


def cluster_of(question: str) -> str | None:
    """The cluster a (possibly misspelt) generated question came from."""
    for name, (_, wordings) in CLUSTERS.items():
        if any(fuzz.ratio(question, wording) >= 85 for wording in wordings):
            return name
    return None


def _typo(question: str, rng: random.Random) -> str:
    words = question.split()
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) >= 6:
        cut = rng.randrange(1, len(word) - 2)
        words[index] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2:]
    return " ".join(words)


def generate_misses(path: Path, engine: Engine, seed: int = 7) -> Counter[str]:
    """Write a log of 200 misses: clustered paraphrases (30% with a typo) and noise.

    Each question goes through the real engine; the rare one the engine answers is logged as
    a plain decline instead, so the cluster sizes are exact.
    """
    rng = random.Random(seed)
    log = MissLog(path, salt="fixture")
    plan = [name for name, (size, _) in CLUSTERS.items() for _ in range(size)]
    plan += ["noise"] * NOISE
    rng.shuffle(plan)
    made: Counter[str] = Counter()
    for name in plan:
        if name == "noise":
            question = " ".join("".join(rng.choice("qwrtzpsdfghjklxcvbnm")
                                        for _ in range(rng.randint(4, 9)))
                                for _ in range(rng.randint(1, 3)))
        else:
            question = rng.choice(CLUSTERS[name][1])
            if rng.random() < 0.3:
                question = _typo(question, rng)
        answer = engine.ask(question)
        if not log.record(answer, chat=rng.randrange(8)):
            assert log.record(decline(question), chat=rng.randrange(8))
        made[name] += 1
    return made


@pytest.fixture(scope="module")
def fixture_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("misses") / "misses.jsonl"
    made = generate_misses(path, Engine(load(REAL_KNOWLEDGE)))
    assert sum(made.values()) == 200
    return path


def _blocks(text: str) -> list[tuple[int, list[str], str]]:
    """(count, example questions, stub) for each group printed by ``report``."""
    out = []
    for block in text.split("\n== ")[1:]:
        lines = block.split("\n")
        count = int(re.match(r"\d+\. (\d+) miss", lines[0]).group(1))  # type: ignore[union-attr]
        examples = [json.loads(line.split("e.g. ", 1)[1].split("  (x")[0])
                    for line in lines if line.strip().startswith("e.g. ")]
        start = next(i for i, line in enumerate(lines) if line.startswith("#"))
        end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
        out.append((count, examples, "\n".join(lines[start:end])))
    return out


def test_report_groups_200_misses_into_ready_to_paste_stubs(fixture_log: Path) -> None:
    text = report(fixture_log, REAL_KNOWLEDGE, top=50)
    assert text.startswith("200 missed question(s)")
    blocks = _blocks(text)
    counts = [count for count, _, _ in blocks]
    assert counts == sorted(counts, reverse=True)
    # the biggest cluster (60 budget questions) comes first, nearly whole despite typos
    first_count, first_examples, _ = blocks[0]
    assert first_count >= 55
    assert {cluster_of(q) for q in first_examples} == {"budget"}
    # every cluster is found, mostly whole, as a group of its own
    for name, (size, _) in CLUSTERS.items():
        sizes = [count for count, examples, _ in blocks
                 if {cluster_of(q) for q in examples} == {name}]
        assert sizes and max(sizes) >= size * 0.5, (name, sizes)
    assert sum(counts) == 200
    # every stub is valid YAML of the promised shape
    kinds: Counter[str] = Counter()
    for _count, examples, stub in blocks:
        data = yaml.safe_load(stub)
        if isinstance(data, list):
            kinds["phrasing"] += 1
            assert re.match(r"# add to .*(intents|faq)\.yaml:\d+, (intent|FAQ) \S+, "
                            r"(examples|questions):", stub)
            assert len(data) == 1 and isinstance(data[0], str)
        else:
            kinds["faq"] += 1
            (entry,) = data["faq"]
            assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", entry["id"])
            assert entry["answer"] == "TODO"
            assert set(examples) <= set(entry["questions"]) or len(entry["questions"]) == 5
            filled = {**entry, "answer": "An answer.",
                      "cites": [{"source": "kt-2025-12-06", "quote": "OSCE"}]}
            validated(FaqEntry, filled)
    assert kinds["phrasing"] >= 1 and kinds["faq"] >= 3


def test_a_phrasing_stub_pastes_into_the_knowledge_base(fixture_log: Path,
                                                        tmp_path: Path) -> None:
    text = report(fixture_log, REAL_KNOWLEDGE, top=50)
    stub = next(s for _, _, s in _blocks(text) if s.startswith("# add to"))
    head = re.match(r"# add to (.*?):(\d+), intent (\S+), examples:", stub)
    assert head is not None, stub
    intent_id = head.group(3)
    phrasing = yaml.safe_load(stub)[0]
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(REAL_KNOWLEDGE, kb_dir, ignore=shutil.ignore_patterns("drafts"))
    intents = kb_dir / Path(head.group(1)).name
    lines = intents.read_text(encoding="utf-8").split("\n")
    at = next(i for i in range(int(head.group(2)) - 1, len(lines))
              if lines[i].strip() == "examples:")
    item = next(line for line in stub.split("\n") if line.lstrip().startswith("- "))
    lines.insert(at + 1, item)
    intents.write_text("\n".join(lines), encoding="utf-8")
    assert phrasing in load(kb_dir).intents[intent_id].examples


def test_report_reads_rotated_files_and_skips_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "misses.jsonl"
    log = MissLog(path, max_bytes=1024, backups=3, salt="test")
    for number in range(30):
        log.record(decline(f"who funds the osce {'really ' * (number % 3)}"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write("this is not json\n{\"no\": \"question\"}\n")
    assert len(log_files(path)) > 1
    text = report(path, REAL_KNOWLEDGE)
    assert "2 unreadable line(s) skipped" in text
    (count, _, _), *_ = _blocks(text)
    total = sum(len(f.read_text().splitlines()) for f in log_files(path)) - 2
    assert count == total


def test_report_without_misses(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.jsonl"
    assert report(missing, REAL_KNOWLEDGE).startswith("No misses logged yet")
    missing.write_text("")
    assert report(missing, REAL_KNOWLEDGE).startswith("No misses logged yet")


def test_report_on_a_broken_knowledge_base_still_groups(fixture_log: Path,
                                                        tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    broken.mkdir()
    (broken / "faq.yaml").write_text("faq: [\n", encoding="utf-8")
    text = report(fixture_log, broken, top=3)
    assert "has errors" in text
    assert all(yaml.safe_load(stub) for _, _, stub in _blocks(text))


def test_grouping_is_by_meaning_of_words_not_by_exact_text() -> None:
    from meetbot.curation.misses import Miss

    def miss(question: str) -> Miss:
        return Miss(question, "decline", None, None, None, None)

    groups = group_misses([miss("What is the OSCE budget?"), miss("osce budget"),
                           miss("OSCE's budget, please"), miss("osce bugdet"),
                           miss("osce budget"), miss("who won the world cup"),
                           miss("osce")])
    assert [g.count for g in groups] == [5, 1, 1]
    assert groups[0].questions[0] == "osce budget"


def test_misses_command(fixture_log: Path, cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "meetbot", "misses", "--log", str(fixture_log), "--top", "3",
         "--knowledge", str(REAL_KNOWLEDGE)],
        cwd=PROJECT_ROOT, env=cli_env, capture_output=True, text=True, encoding="utf-8",
        timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n== ") == 3
    assert "smaller group(s)" in result.stdout
