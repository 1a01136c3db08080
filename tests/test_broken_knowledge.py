"""The broken-knowledge corpus: every way a curator (or an attacker) can break the knowledge
base gives a clear ``file:line: message`` error, fast, and never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbfactory import (
    PROJECT_ROOT,
    REAL_KNOWLEDGE,
    SOURCE_FILE,
    append,
    edit_line,
    line_of,
    replace_line,
    write_small_kb,
)
from meetbot.errors import KnowledgeError, Problem
from meetbot.files import MAX_FILE_BYTES
from meetbot.store import load


@dataclass(frozen=True)
class Expected:
    """Where the error must be reported and words its message must contain."""

    file: str
    lines: tuple[int, ...] | None
    """Acceptable line numbers; None when no line applies (whole-file problems)."""
    words: tuple[str, ...]


Breaker = Callable[[Path], Expected]


def problems_of(directory: Path) -> list[Problem]:
    """Load ``directory``, which must fail with KnowledgeError (any other exception fails)."""
    with pytest.raises(KnowledgeError) as caught:
        load(directory)
    problems = caught.value.problems
    assert problems, "a KnowledgeError must carry its problems"
    for problem in problems:
        assert problem.message.strip()
        assert "Traceback" not in problem.message
        assert str(problem).startswith(problem.file)
    return problems


def assert_reported(problems: list[Problem], expected: Expected) -> Problem:
    """Return the problem matching ``expected``; fail with every problem listed if none."""
    for problem in problems:
        if Path(problem.file).name != expected.file:
            continue
        if expected.lines is None and problem.line is not None:
            continue
        if expected.lines is not None and problem.line not in expected.lines:
            continue
        message = problem.message.casefold()
        if all(word.casefold() in message for word in expected.words):
            return problem
    listing = "\n".join(str(p) for p in problems)
    raise AssertionError(f"expected {expected} among:\n{listing}")


# -- one breaker per failure class --------------------------------------------------------------
def yaml_syntax(kb: Path) -> Expected:
    line = edit_line(kb / "people.yaml", "gender: female", "gender: female: oops")
    return Expected("people.yaml", (line,), ("YAML error",))


def yaml_unclosed_quote(kb: Path) -> Expected:
    # The parser notices an unclosed quote only where the next quote closes it; accept the
    # next few lines (the curator is pointed at most three lines below the mistake).
    line = edit_line(kb / "people.yaml", 'name: "Ingrid Valtonen"', 'name: "Ingrid Valtonen')
    return Expected("people.yaml", tuple(range(line, line + 4)), ("YAML error",))


def yaml_tab_indent(kb: Path) -> Expected:
    line = edit_line(kb / "people.yaml", "    gender: female", "\tgender: female")
    return Expected("people.yaml", (line,), ("YAML error",))


def wrong_type_list(kb: Path) -> Expected:
    line = edit_line(kb / "meetings.yaml", "participants: [valtonen, okonkwo]",
                     "participants: valtonen")
    return Expected("meetings.yaml", (line,), ("participants", "list", "valtonen"))


def wrong_type_bool(kb: Path) -> Expected:
    line = edit_line(kb / "roles.yaml", "head: true", "head: maybe")
    return Expected("roles.yaml", (line,), ("head", "boolean", "maybe"))


def wrong_date(kb: Path) -> Expected:
    line = edit_line(kb / "sources.yaml", 'published: "2024-03-12"', 'published: "March 2024"')
    return Expected("sources.yaml", (line,), ("published", "YYYY-MM-DD", "March 2024"))


def bad_id(kb: Path) -> Expected:
    line = edit_line(kb / "organizations.yaml", "- id: nwc", "- id: Northern Council!")
    return Expected("organizations.yaml", (line,), ("id", "Northern Council!"))


def missing_key(kb: Path) -> Expected:
    meetings = kb / "meetings.yaml"
    entry = line_of(meetings, "- id: valtonen-okonkwo-2024")
    replace_line(meetings, "date_kind:", "")
    return Expected("meetings.yaml", (entry,), ("missing required key", "date_kind"))


def unknown_key(kb: Path) -> Expected:
    line = edit_line(kb / "people.yaml", "gender: female", "gendr: female")
    return Expected("people.yaml", (line,), ("unknown key", "gendr"))


def unknown_section(kb: Path) -> Expected:
    line = append(kb / "faq.yaml", "questions:\n  - who are you\n")
    return Expected("faq.yaml", (line,), ("unknown key", "questions", "sections are"))


def unknown_person(kb: Path) -> Expected:
    line = edit_line(kb / "meetings.yaml", "participants: [valtonen, okonkwo]",
                     "participants: [valtonen, okonkwo, nobody]")
    return Expected("meetings.yaml", (line,), ("unknown people id", "nobody", "valtonen"))


def unknown_speaker(kb: Path) -> Expected:
    line = edit_line(kb / "meetings.yaml", "speaker: okonkwo", "speaker: nobody")
    return Expected("meetings.yaml", (line,), ("unknown people id", "nobody"))


def unknown_role(kb: Path) -> Expected:
    line = edit_line(kb / "people.yaml", "role: nwc-director-general", "role: nwc-chief")
    return Expected("people.yaml", (line,), ("unknown roles id", "nwc-chief"))


def unknown_source(kb: Path) -> Expected:
    line = edit_line(kb / "organizations.yaml", "source: test-note", "source: no-such-source",
                     occurrence=2)
    return Expected("organizations.yaml", (line,), ("unknown sources id", "no-such-source"))


def unknown_event(kb: Path) -> Expected:
    line = edit_line(kb / "meetings.yaml", "event: lakeside-dialogue", "event: nowhere")
    return Expected("meetings.yaml", (line,), ("unknown events id", "nowhere"))


def duplicate_id_in_file(kb: Path) -> Expected:
    first = line_of(kb / "people.yaml", "- id: valtonen")
    line = edit_line(kb / "people.yaml", "- id: okonkwo", "- id: valtonen")
    return Expected("people.yaml", (line,),
                    ("duplicate people id", "valtonen", f"people.yaml:{first}"))


def duplicate_id_across_files(kb: Path) -> Expected:
    # events.yaml is read before people.yaml, so people.yaml's entry is the duplicate.
    first = append(kb / "events.yaml", 'people:\n  - id: okonkwo\n    name: "Another"\n') + 1
    line = line_of(kb / "people.yaml", "- id: okonkwo")
    return Expected("people.yaml", (line,),
                    ("duplicate people id", "okonkwo", f"events.yaml:{first}"))


def forged_quote(kb: Path) -> Expected:
    line = edit_line(kb / "meetings.yaml", "must share every flood forecast without delay",
                     "must never share a flood forecast")
    return Expected("meetings.yaml", (line,), ("quote not found", "test-note", "never share"))


def missing_source_file(kb: Path) -> Expected:
    (kb / SOURCE_FILE).unlink()
    line = line_of(kb / "sources.yaml", "file:")
    return Expected("sources.yaml", (line,), ("not found", SOURCE_FILE))


def source_outside(kb: Path) -> Expected:
    (kb.parent / "outside.txt").write_text("Secret text.\n", encoding="utf-8")
    line = edit_line(kb / "sources.yaml", f"file: {SOURCE_FILE}", "file: ../outside.txt")
    return Expected("sources.yaml", (line,), ("inside the knowledge directory",))


def python_tag(kb: Path) -> Expected:
    marker = kb.parent / "PWNED"
    line = edit_line(kb / "people.yaml", 'name: "Ingrid Valtonen"',
                     f'name: !!python/object/apply:os.system ["touch {marker}"]')
    return Expected("people.yaml", (line,), ("tag", "python/object/apply"))


def alias_bomb(kb: Path) -> Expected:
    line = append(kb / "faq.yaml", billion_laughs())
    return Expected("faq.yaml", (line + 1,), ("alias",))


def merge_key(kb: Path) -> Expected:
    line = append(kb / "faq.yaml", "base: &base {x: 1}\nother:\n  <<: *base\n")
    return Expected("faq.yaml", (line + 2,), ("merge",))


def duplicate_yaml_key(kb: Path) -> Expected:
    line = edit_line(kb / "people.yaml", "gender: female", 'name: "Someone Else"')
    return Expected("people.yaml", (line,), ("duplicate key", "name"))


def huge_file(kb: Path) -> Expected:
    filler = "# " + "x" * 98 + "\n"
    (kb / "huge.yaml").write_text(filler * (MAX_FILE_BYTES // len(filler) + 10) + "faq: []\n",
                                  encoding="utf-8")
    return Expected("huge.yaml", None, ("MB", "limit"))


def non_utf8(kb: Path) -> Expected:
    people = kb / "people.yaml"
    line = line_of(people, 'name: "Tomasz Okonkwo"')
    people.write_bytes(people.read_bytes().replace(b"Tomasz Okonkwo", b"Tomasz Ok\xf6nkwo", 1))
    return Expected("people.yaml", (line,), ("UTF-8", "0xf6"))


def not_a_mapping(kb: Path) -> Expected:
    (kb / "extra.yaml").write_text("- id: stray\n- id: list\n", encoding="utf-8")
    return Expected("extra.yaml", (1,), ("mapping",))


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic entity-expansion bomb, written with YAML anchors and aliases."""
    lines = ['lol0: &lol0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


BREAKERS: dict[str, Breaker] = {
    "yaml-syntax": yaml_syntax,
    "yaml-unclosed-quote": yaml_unclosed_quote,
    "yaml-tab-indent": yaml_tab_indent,
    "wrong-type-list": wrong_type_list,
    "wrong-type-bool": wrong_type_bool,
    "wrong-date": wrong_date,
    "bad-id": bad_id,
    "missing-key": missing_key,
    "unknown-key": unknown_key,
    "unknown-section": unknown_section,
    "unknown-person": unknown_person,
    "unknown-speaker": unknown_speaker,
    "unknown-role": unknown_role,
    "unknown-source": unknown_source,
    "unknown-event": unknown_event,
    "duplicate-id-in-file": duplicate_id_in_file,
    "duplicate-id-across-files": duplicate_id_across_files,
    "forged-quote": forged_quote,
    "missing-source-file": missing_source_file,
    "source-outside-knowledge": source_outside,
    "python-tag": python_tag,
    "alias-bomb": alias_bomb,
    "merge-key": merge_key,
    "duplicate-yaml-key": duplicate_yaml_key,
    "huge-file": huge_file,
    "non-utf8": non_utf8,
    "not-a-mapping": not_a_mapping,
}


@pytest.mark.parametrize("name", list(BREAKERS))
def test_error_names_file_and_line(small_kb: Path, name: str) -> None:
    expected = BREAKERS[name](small_kb)
    started = time.perf_counter()
    problems = problems_of(small_kb)
    assert time.perf_counter() - started < 2.0, "rejecting a broken knowledge base is slow"
    assert_reported(problems, expected)


# -- failure classes that need more than file, line and message ------------------------------
@pytest.mark.parametrize("tag", [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/new:os.system ["touch {marker}"]',
    "!!python/name:os.system",
    "!!python/module:os",
    '!!python/object:builtins.dict {{}}',
    "!custom value",
])
def test_object_tags_are_refused_and_never_run(small_kb: Path, tag: str) -> None:
    marker = small_kb.parent / "PWNED"
    line = edit_line(small_kb / "people.yaml", 'name: "Ingrid Valtonen"',
                     "name: " + tag.format(marker=marker))
    problems = problems_of(small_kb)
    assert_reported(problems, Expected("people.yaml", (line,), ("tag",)))
    assert not marker.exists(), "a YAML tag ran a command"


@pytest.mark.parametrize(("value", "expected"), [
    ("!!map ab", "expected a mapping node"),
    ("!!seq ab", "expected a sequence node"),
    ("!!str [a, b]", "expected a scalar node"),
    ("!!map [a, b]", "expected a mapping node"),
])
def test_standard_tag_on_the_wrong_kind_of_value(small_kb: Path, value: str,
                                                 expected: str) -> None:
    line = edit_line(small_kb / "people.yaml", 'name: "Ingrid Valtonen"', f"name: {value}")
    assert_reported(problems_of(small_kb), Expected("people.yaml", (line,), (expected,)))


@pytest.mark.parametrize(("levels", "width"), [(9, 9), (30, 2), (12, 12)])
def test_alias_bomb_is_rejected_fast(small_kb: Path, levels: int, width: int) -> None:
    first = append(small_kb / "faq.yaml", billion_laughs(levels, width))
    started = time.perf_counter()
    problems = problems_of(small_kb)
    assert time.perf_counter() - started < 2.0
    assert_reported(problems, Expected("faq.yaml", (first + 1,), ("alias",)))


def test_scalar_alias_is_refused(small_kb: Path) -> None:
    edit_line(small_kb / "people.yaml", 'name: "Ingrid Valtonen"', 'name: &nm "Ingrid Valtonen"')
    line = edit_line(small_kb / "people.yaml", 'name: "Tomasz Okonkwo"', "name: *nm")
    assert_reported(problems_of(small_kb), Expected("people.yaml", (line,), ("alias",)))


def test_deeply_nested_yaml_is_an_error_not_a_crash(small_kb: Path) -> None:
    line = append(small_kb / "faq.yaml", "deep: " + "[" * 1500 + "]" * 1500 + "\n")
    try:
        load(small_kb)
    except KnowledgeError as exc:
        assert_reported(exc.problems, Expected("faq.yaml", (line,), ()))
    else:
        pytest.fail("a deeply nested file was accepted")


def test_empty_directory(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert [(p.file, p.line) for p in problems] == [(str(tmp_path), None)]
    assert "no knowledge files" in problems[0].message


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    problems = problems_of(missing)
    assert [(p.file, p.line) for p in problems] == [(str(missing), None)]
    assert "not found" in problems[0].message


def test_empty_file_is_an_empty_section_list(small_kb: Path) -> None:
    (small_kb / "notes.yaml").write_text("# nothing here yet\n", encoding="utf-8")
    assert load(small_kb).meetings


def test_several_errors_are_all_reported(small_kb: Path) -> None:
    expected = [unknown_key(small_kb), wrong_type_bool(small_kb), forged_quote(small_kb),
                unknown_source(small_kb), not_a_mapping(small_kb), merge_key(small_kb)]
    problems = problems_of(small_kb)
    for item in expected:
        assert_reported(problems, item)


@pytest.mark.parametrize("name", ["wrong-date", "yaml-syntax"])
def test_one_mistake_gives_one_error(small_kb: Path, name: str) -> None:
    expected = BREAKERS[name](small_kb)
    problems = problems_of(small_kb)
    assert_reported(problems, expected)
    assert [str(p) for p in problems if "known: none defined" in p.message] == []


# -- dates that do not exist ---------------------------------------------------------------
IMPOSSIBLE_DATES = {
    "2025-02-30": "2025-02-30 is not a real date (February 2025 has 28 days)",
    "2025-13-45": "2025-13-45 is not a real date (there is no month 13)",
    "0000-00-00": "0000-00-00 is not a real date (years start at 0001)",
    "2023-02-29": "2023-02-29 is not a real date (February 2023 has 28 days)",
}


def _shipped_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REAL_KNOWLEDGE, tmp_path.resolve() / "knowledge",
                                ignore=shutil.ignore_patterns("drafts")))


@pytest.mark.parametrize("quote", ['"', ""], ids=["quoted", "unquoted"])
@pytest.mark.parametrize("value", list(IMPOSSIBLE_DATES))
def test_check_refuses_a_date_that_does_not_exist(
        tmp_path: Path, value: str, quote: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from meetbot.frontends import cli

    kb = _shipped_copy(tmp_path)
    line = edit_line(kb / "meetings.yaml", 'date: "2025-12-06"', f"date: {quote}{value}{quote}",
                     occurrence=2)
    monkeypatch.chdir(kb)
    status = cli.main(["check", "--knowledge", str(kb)])
    out = capsys.readouterr().out
    assert status == 1
    message = IMPOSSIBLE_DATES[value]
    assert out.splitlines()[0] == f"meetings.yaml:{line}: meetings.2.date: {message}"
    assert "1 error(s)" in out


@pytest.mark.parametrize("value", ["2024-02-29", "2023-06", "2023"])
def test_real_and_partial_dates_still_load(tmp_path: Path, value: str) -> None:
    kb = _shipped_copy(tmp_path)
    edit_line(kb / "meetings.yaml", 'date: "2025-12-06"', f'date: "{value}"', occurrence=2)
    assert value in {meeting.date for meeting in load(kb).meetings.values()}


def test_check_passes_a_leap_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from meetbot.frontends import cli

    kb = _shipped_copy(tmp_path)
    edit_line(kb / "meetings.yaml", 'date: "2025-12-06"', "date: 2024-02-29", occurrence=2)
    assert cli.main(["check", "--knowledge", str(kb)]) == 0, capsys.readouterr().out


# -- the command line never shows a traceback -----------------------------------------------
CLI_CASES = [*BREAKERS, "empty-directory", "missing-directory",
             "deeply-nested"]
SUBPROCESS_CASES = ["python-tag", "alias-bomb", "non-utf8", "missing-directory"]
"""The classes also run through a real ``python -m meetbot check`` process (a few, since
each process costs about half a second; the in-process test covers them all)."""


def _prepare(root: Path, name: str) -> tuple[Path, Expected, list[str]]:
    """Break a knowledge base under ``root``; return it, the expectation and the
    ``file:line: `` prefixes of which ``check`` must print at least one."""
    if name == "empty-directory":
        (root / "empty").mkdir(parents=True)
        directory, expected = root / "empty", Expected("empty", None, ("no knowledge files",))
    elif name == "missing-directory":
        directory, expected = root / "missing", Expected("missing", None, ("not found",))
    elif name == "deeply-nested":
        directory = write_small_kb(root / "kb")
        line = append(directory / "faq.yaml", "deep: " + "[" * 1500 + "]" * 1500 + "\n")
        expected = Expected("faq.yaml", (line,), ())
    else:
        directory = write_small_kb(root / "kb")
        expected = BREAKERS[name](directory)
    if expected.lines is None:
        where = directory if expected.file in ("empty", "missing") else directory / expected.file
        return directory, expected, [f"{where}: "]
    return directory, expected, [f"{directory / expected.file}:{n}: " for n in expected.lines]


@pytest.mark.parametrize("name", CLI_CASES)
def test_check_reports_every_class_without_a_traceback(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from meetbot.frontends import cli

    monkeypatch.chdir(PROJECT_ROOT)
    directory, _expected, wanted = _prepare(tmp_path, name)
    status = cli.main(["check", "--knowledge", str(directory)])  # any exception fails here
    out = capsys.readouterr().out
    assert status == 1
    assert any(w in out for w in wanted), f"none of {wanted} in\n{out}"
    assert "error(s)" in out


def test_check_process_never_prints_a_traceback(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """A real ``meetbot check`` process per class: exit 1, file:line, no traceback."""
    runs: dict[str, tuple[subprocess.Popen[str], list[str]]] = {}
    for name in SUBPROCESS_CASES:
        directory, _expected, wanted = _prepare(tmp_path / name, name)
        process = subprocess.Popen(
            [sys.executable, "-m", "meetbot", "check", "--knowledge", str(directory)],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", env=cli_env)
        runs[name] = (process, wanted)
    failures = []
    for name, (process, wanted) in runs.items():
        out, err = process.communicate(timeout=30)
        if "Traceback" in out + err:
            failures.append(f"{name}: traceback\n{err[-600:]}")
        elif process.returncode != 1:
            failures.append(f"{name}: exit {process.returncode}\n{out}{err}")
        elif not any(w in out for w in wanted):
            failures.append(f"{name}: none of {wanted} in\n{out}")
    assert not failures, "\n\n".join(failures)
