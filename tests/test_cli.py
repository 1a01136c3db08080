"""The command line, run as a user runs it: ``python -m meetbot`` (and ``bot.py``) in a
subprocess. Processes are slow to start (about a second each), so every run this module
needs is started at once by the ``runs`` fixture and the tests read the finished results."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kbfactory import (
    MEETING_DATE_TEXT,
    PROJECT_ROOT,
    SOURCE_ID,
    edit_line,
    write_small_kb,
)
from meetbot.frontends.cli import main

CONTRACT_KEYS = {"question", "answered", "answer", "intent", "confidence", "citations",
                 "suggestions"}
CITATION_KEYS = {"source", "title", "publisher", "url", "date", "quote"}
FIRST = "when did tokaev meet shmid"
FOLLOW_UP = "what did they discuss?"
QUESTIONS = [FIRST, FOLLOW_UP, "who heads odihr", "what is the weather today"]
WHY_TYPED = "kto vozglavlyaet bdipch?"
WHY_YES_NO = "did telalian discuss elections with kosherbayev?"
EVAL_FILE = """\
- q: when did tokaev meet shmid
  category: typo
  intent: meeting_date
  expect: ["7 June 2023"]
  source: akorda-2023-06-07
- q: Who heads ODIHR?
  category: paraphrase
  intent: org_head
  expect: ["Telalian"]
- q: What is the weather like today?
  category: out_of_scope
  must_decline: true
- q: Who is Helga Schmid?
  category: paraphrase
  intent: who_is
  expect: ["a phrase the answer does not contain"]
"""


@dataclass
class Runs:
    """The finished command-line runs, by name, and the files they were given."""

    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    small_kb: Path = Path()
    forged_kb: Path = Path()
    forged_line: int = 0

    def __getitem__(self, name: str) -> subprocess.CompletedProcess[str]:
        return self.results[name]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("cli")
    out = Runs(small_kb=write_small_kb(root / "small"), forged_kb=write_small_kb(root / "forged"))
    out.forged_line = edit_line(out.forged_kb / "meetings.yaml",
                                "must share every flood forecast",
                                "must never share a flood forecast")
    questions_file = root / "questions.yaml"
    questions_file.write_text(EVAL_FILE, encoding="utf-8")
    meetbot = [sys.executable, "-m", "meetbot"]
    small = str(out.small_kb)
    specs: dict[str, tuple[list[str], str, dict[str, str]]] = {
        "ask-json": ([*meetbot, "ask", "--json", FIRST], "", {}),
        "ask-lines": ([*meetbot, "ask", "--json", "-"],
                      "\n".join([*QUESTIONS[:2], "", *QUESTIONS[2:]]) + "\n", {}),
        "ask-conversation": ([*meetbot, "ask", "--json", "--conversation", "-"],
                             f"{FIRST}\n{FOLLOW_UP}\n", {}),
        "why-json": ([*meetbot, "why", "--json", WHY_YES_NO], "", {}),
        "check-shipped": ([*meetbot, "check"], "", {}),
        "check-forged": ([*meetbot, "check", "--knowledge", str(out.forged_kb)], "", {}),
        "ask-forged": ([*meetbot, "ask", "--json", "--knowledge", str(out.forged_kb),
                        "who heads the NWC"], "", {}),
        "eval": ([*meetbot, "eval", str(questions_file), "--min-accuracy", "0.9"], "", {}),
        "env-knowledge": ([*meetbot, "ask", "--json", "when did valtonen meet okonkwo"], "",
                          {"MEETBOT_KNOWLEDGE": small}),
        "bot-py": ([sys.executable, "bot.py", "ask", "who heads odihr"], "", {}),
        "no-subcommand": (meetbot, "who heads odihr\n", {}),
        "no-subcommand-knowledge": ([*meetbot, "--knowledge", small],
                                    "when did valtonen meet okonkwo\n", {}),
    }
    processes = {
        name: (subprocess.Popen(command, cwd=PROJECT_ROOT, env={**cli_env, **extra},
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8"), stdin)
        for name, (command, stdin, extra) in specs.items()}
    try:
        for name, (process, stdin) in processes.items():
            stdout, stderr = process.communicate(stdin, timeout=60)
            out.results[name] = subprocess.CompletedProcess(process.args, process.returncode,
                                                            stdout, stderr)
        yield out
    finally:
        for process, _stdin in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def assert_contract(obj: Any, question: str) -> dict[str, Any]:
    """Check one ``ask --json`` object against the contract in DESIGN.md."""
    assert isinstance(obj, dict)
    assert set(obj) == CONTRACT_KEYS
    assert obj["question"] == question
    assert isinstance(obj["answered"], bool)
    assert isinstance(obj["answer"], str) and obj["answer"].strip()
    assert not re.search(r"</?(b|i|a|blockquote)\b", obj["answer"]), "markup in plain text"
    assert obj["intent"] is None or isinstance(obj["intent"], str)
    assert isinstance(obj["confidence"], int | float) and not isinstance(obj["confidence"], bool)
    assert 0.0 <= obj["confidence"] <= 1.0
    assert isinstance(obj["citations"], list)
    for citation in obj["citations"]:
        assert isinstance(citation, dict) and set(citation) == CITATION_KEYS
        assert all(isinstance(citation[key], str) and citation[key] for key in CITATION_KEYS)
        assert citation["url"].startswith(("http://", "https://"))
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", citation["date"])
    assert isinstance(obj["suggestions"], list)
    assert all(isinstance(s, str) and s for s in obj["suggestions"])
    if not obj["answered"]:
        assert obj["citations"] == [], "a declined question must cite nothing"
    return obj


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]


def test_ask_json_prints_one_contract_object(runs: Runs) -> None:
    result = runs["ask-json"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "one question, one line of JSON"
    obj = assert_contract(json.loads(lines[0]), FIRST)
    assert obj["answered"] is True
    assert obj["intent"] == "meeting_date"
    assert "7 June 2023" in obj["answer"]
    assert [c["source"] for c in obj["citations"]] == ["akorda-2023-06-07"]


def test_ask_json_lines_are_answered_independently(runs: Runs) -> None:
    result = runs["ask-lines"]
    assert result.returncode == 0, result.stderr
    objects = json_lines(result.stdout)
    lines = [*QUESTIONS[:2], "", *QUESTIONS[2:]]
    assert [o["question"] for o in objects] == lines, "one object per input line"
    for obj, question in zip(objects, lines, strict=True):
        assert_contract(obj, question)
    first, follow_up, blank, odihr, weather = objects
    assert not blank["answered"] and blank["answer"].startswith("Please send me a question")
    assert first["answered"]
    assert not (follow_up["answered"] and "Schmid" in follow_up["answer"]), \
        "without --conversation a follow-up must not inherit the previous question"
    assert odihr["answered"] and "Telalian" in odihr["answer"]
    assert not weather["answered"]


INVISIBLE = {
    "C1 control": "\x85\x9b\x80",
    "bidi override": "\u202e\u2066\u2069\u202a",
    "zero-width": "\u200b\u200d\ufeff",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
}
"""Characters a question may carry that must not reach the JSON: dropped, or (the two
separators, which are white space) read as a space."""


def test_ask_json_lines_survive_control_characters_and_crlf(cli_env: dict[str, str]) -> None:
    """Each line carries one class of invisible character and ends in CRLF; a reader that
    splits the output with str.splitlines() gets exactly one object per line back."""
    lines = [f"who heads{chars}odihr{chars}?" for chars in INVISIBLE.values()]
    result = subprocess.run([sys.executable, "-m", "meetbot", "ask", "--json", "-"],
                            cwd=PROJECT_ROOT, env=cli_env, capture_output=True, timeout=60,
                            input="".join(f"{line}\r\n" for line in lines).encode("utf-8"),
                            check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    out = result.stdout.decode("utf-8")
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == len(lines), "exactly one object per input line"
    questions = {name: obj["question"] for name, obj in zip(INVISIBLE, objects, strict=True)}
    assert questions == {"C1 control": "who headsodihr?", "bidi override": "who headsodihr?",
                         "zero-width": "who headsodihr?", "line separator": "who heads odihr ?",
                         "paragraph separator": "who heads odihr ?"}
    for ch in "\r\x85\u2028\u2029":
        assert ch not in out, f"raw {ch!r} in the JSON Lines output"


def test_ask_conversation_resolves_follow_ups(runs: Runs) -> None:
    result = runs["ask-conversation"]
    assert result.returncode == 0, result.stderr
    first, follow_up = json_lines(result.stdout)
    assert_contract(follow_up, FOLLOW_UP)
    assert first["answered"] and follow_up["answered"]
    assert follow_up["intent"] == "meeting_topics"
    assert "Tokayev" in follow_up["answer"] and "Schmid" in follow_up["answer"]
    assert "cooperation" in follow_up["answer"]
    assert {c["source"] for c in follow_up["citations"]} == {"akorda-2023-06-07"}


def test_why_prints_each_stage_of_understanding(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", WHY_TYPED]) == 0  # in this process: one more start is a second
    out = capsys.readouterr().out
    assert out.startswith(f"question: {WHY_TYPED!r}\ndecision: structured (org_head)\n")
    assert re.findall(r"^\[(.+)\]$", out, re.M) == [
        "clean and language", "normalised", "entities", "intents", "slots", "evidence",
        "policy"]
    assert "typed in Latin letters, read as: 'кто возглавляет bdipch' (ru)" in out
    assert re.search(r"^\s+org\s+odihr\s+'bdipch' \(match 100\)$", out, re.M)
    assert re.search(r"^\s+\d\.\d\d\s+org_head\s+\(closest phrasing: '.+'\)$", out, re.M)


def test_why_json_prints_the_explanation_as_one_object(runs: Runs) -> None:
    result = runs["why-json"]
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    data = json.loads(line)
    assert (data["question"], data["choice"], data["intent"]) == (WHY_YES_NO, "yes",
                                                                  "meeting_topics")
    assert data["reason"].startswith("yes/no question with a fact")
    stages = {stage["name"]: stage for stage in data["stages"]}
    assert list(stages) == ["clean and language", "normalised", "entities", "intents",
                            "slots", "evidence", "policy"]
    assert {m["id"] for m in stages["entities"]["mentions"]} == {"telalian", "kosherbayev"}
    evidence = stages["evidence"]
    assert evidence["yes_no"] is True and evidence["hits"][0]["coverage"] >= 0.75
    assert all(set(hit) == {"kind", "coverage", "matched", "source", "quote"}
               for hit in evidence["hits"])


def test_check_passes_on_the_shipped_knowledge_base(runs: Runs) -> None:
    result = runs["check-shipped"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^OK: 2 sources, .* citations verified", result.stdout, re.M)
    no_traceback(result)


def test_check_rejects_a_forged_quote_with_file_and_line(runs: Runs) -> None:
    result = runs["check-forged"]
    assert result.returncode == 1
    assert f"{runs.forged_kb / 'meetings.yaml'}:{runs.forged_line}: quote not found" \
        in result.stdout
    assert "1 error(s)" in result.stdout
    no_traceback(result)


def test_other_commands_refuse_a_broken_knowledge_base(runs: Runs) -> None:
    result = runs["ask-forged"]
    assert result.returncode == 2
    assert result.stdout == ""
    assert "knowledge base has errors" in result.stderr
    assert f"{runs.forged_kb / 'meetings.yaml'}:{runs.forged_line}: " in result.stderr
    no_traceback(result)


def test_eval_prints_accuracy_per_category(runs: Runs) -> None:
    result = runs["eval"]
    assert result.returncode == 1, "3 of 4 is below --min-accuracy 0.9"
    out = result.stdout
    assert "accuracy: 3/4 = 75.0%" in out
    assert re.search(r"^\s+typo\s+1/1\s", out, re.M)
    assert re.search(r"^\s+paraphrase\s+1/2\s", out, re.M)
    assert re.search(r"^\s+out_of_scope\s+1/1\s", out, re.M)
    assert "a phrase the answer does not contain" in out, "the failure is listed"
    no_traceback(result)


def test_meetbot_knowledge_variable_is_honoured(runs: Runs) -> None:
    result = runs["env-knowledge"]
    assert result.returncode == 0, result.stderr
    obj = assert_contract(json.loads(result.stdout), "when did valtonen meet okonkwo")
    assert obj["answered"] and MEETING_DATE_TEXT in obj["answer"]
    assert {c["source"] for c in obj["citations"]} == {SOURCE_ID}


def test_bot_py_is_the_same_entry_point(runs: Runs) -> None:
    result = runs["bot-py"]
    assert result.returncode == 0, result.stderr
    assert "Telalian" in result.stdout
    assert "Sources:" in result.stdout and "https://" in result.stdout


def test_no_subcommand_without_token_runs_the_console(runs: Runs) -> None:
    result = runs["no-subcommand"]
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "Telalian" in result.stdout
    assert "Sources:" in result.stdout


def test_no_subcommand_takes_knowledge_option(runs: Runs) -> None:
    result = runs["no-subcommand-knowledge"]
    assert result.returncode == 0, result.stderr
    assert MEETING_DATE_TEXT in result.stdout


FAKE_TOKEN = "123456789:" + "A" * 35


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, so no other process takes it meanwhile)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _bot_without_network(port: int, env: dict[str, str], *options: str
                         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meetbot", "bot", *options], cwd=PROJECT_ROOT,
        env={**env, "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
             "MEETBOT_BOT_API_URL": f"http://127.0.0.1:{port}"},
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)


def test_bot_that_cannot_reach_telegram_says_so_in_one_line(
        closed_port: int, cli_env: dict[str, str]) -> None:
    result = _bot_without_network(closed_port, cli_env)
    assert result.returncode == 2
    no_traceback(result)
    output = (result.stdout + result.stderr).splitlines()
    assert output == [f"meetbot: cannot reach the Telegram Bot API at 127.0.0.1:{closed_port} "
                      "(httpx.ConnectError: All connection attempts failed): check the "
                      "network and try again"]


@pytest.mark.parametrize(("options", "level"), [(["--log-level", "debug"], ""), (["-v"], ""),
                                               ([], "DEBUG")],
                         ids=["--log-level", "-v", "MEETBOT_LOG_LEVEL"])
def test_bot_shows_the_network_traceback_at_debug(
        closed_port: int, cli_env: dict[str, str], options: list[str], level: str) -> None:
    result = _bot_without_network(closed_port, {**cli_env, "MEETBOT_LOG_LEVEL": level},
                                  *options)
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert "ConnectError" in result.stderr
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert result.stderr.rstrip().endswith("check the network and try again")


def test_an_unknown_log_level_is_refused(cli_env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "meetbot", "check"], cwd=PROJECT_ROOT,
                            env={**cli_env, "MEETBOT_LOG_LEVEL": "loud"}, capture_output=True,
                            text=True, encoding="utf-8", timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("meetbot: MEETBOT_LOG_LEVEL must be one of DEBUG, INFO, "
                                     "WARNING, ERROR (got 'loud')")
