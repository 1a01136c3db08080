"""The engine cache: a hit when nothing changed, a miss after any edit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import meetbot.store.cache as cache
from meetbot.store.cache import cache_path, load_engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEETBOT_CACHE", str(tmp_path / "cache"))
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target, ignore=shutil.ignore_patterns("drafts"))
    return target


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every full (uncached) load."""
    calls: list[Path] = []
    real = cache.load

    def counting(directory: Path) -> object:
        calls.append(directory)
        return real(directory)

    monkeypatch.setattr(cache, "load", counting)
    return calls


def test_unchanged_knowledge_is_served_from_the_cache(knowledge: Path,
                                                      loads: list[Path]) -> None:
    first = load_engine(knowledge)
    second = load_engine(knowledge)
    assert len(loads) == 1
    assert second.ask("who heads odihr").text == first.ask("who heads odihr").text
    assert cache_path(knowledge) is not None and cache_path(knowledge).exists()  # type: ignore[union-attr]


@pytest.mark.parametrize("edit", ["people.yaml", "sources/tokayev-schmid-2023-06-07.txt",
                                  "messages/en.yaml"])
def test_any_edit_invalidates_the_cache(knowledge: Path, loads: list[Path], edit: str) -> None:
    load_engine(knowledge)
    target = knowledge / edit
    if edit == "people.yaml":
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace('      - "Tokaev"', '      - "Tokaev"\n'
                                       '      - "Zebulon Tokayev"', 1), encoding="utf-8")
    elif edit.startswith("messages/"):
        target.parent.mkdir(exist_ok=True)
        target.write_text('language: en\nmessages:\n  clarify: "Did you mean?"\n',
                          encoding="utf-8")
    else:
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    engine = load_engine(knowledge)
    assert len(loads) == 2
    if edit == "people.yaml":
        assert "Tokayev" in engine.ask("who is Zebulon Tokayev?").text
    if edit.startswith("messages/"):
        assert engine.kb.catalog("en").t("clarify") == "Did you mean?"


def test_a_damaged_cache_file_is_a_miss_not_an_error(knowledge: Path,
                                                     loads: list[Path]) -> None:
    load_engine(knowledge)
    path = cache_path(knowledge)
    assert path is not None
    path.write_bytes(b"not a pickle")
    assert load_engine(knowledge).ask("who heads odihr").answered
    assert len(loads) == 2


def test_cache_can_be_switched_off(knowledge: Path, loads: list[Path],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEETBOT_CACHE", "off")
    load_engine(knowledge)
    load_engine(knowledge)
    assert len(loads) == 2 and cache_path(knowledge) is None


def test_broken_knowledge_is_never_cached(knowledge: Path) -> None:
    from meetbot.errors import KnowledgeError

    people = knowledge / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + "\n  - id: [broken\n",
                      encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_engine(knowledge)
    folder = cache_path(knowledge)
    assert folder is None or not folder.exists()


def test_engine_of_files_changed_while_read_is_discarded_and_never_cached(
        knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """people.yaml gets a new alias just before its third reading: after the fingerprints
    the cache is keyed by, as the loader parses it."""
    from meetbot.errors import KnowledgeChanged

    people = knowledge / "people.yaml"
    original = people.read_text(encoding="utf-8")
    edited = original.replace('      - "Tokaev"', '      - "Tokaev"\n'
                              '      - "Zebulon Quarrington"', 1)
    reads = 0
    real_open = os.open

    def open_changing(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        if isinstance(path, str | Path) and Path(path) == people and not flags & (
                os.O_WRONLY | os.O_RDWR):
            reads += 1
            if reads == 3:
                people.write_text(edited, encoding="utf-8")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_changing)
    with pytest.raises(KnowledgeChanged):
        load_engine(knowledge)
    monkeypatch.setattr(os, "open", real_open)

    people.write_text(original, encoding="utf-8")  # the files as the cache key said
    engine = load_engine(knowledge)
    assert "Tokayev" not in engine.ask("who is Zebulon Quarrington?").text, \
        "an engine read from changing files was cached"
    assert engine.ask("who heads odihr").answered


def test_an_answer_from_the_cache_needs_neither_yaml_nor_pydantic(knowledge: Path) -> None:
    """Only loading parses and validates, and it formats the knowledge base's dates: a cold
    ``meetbot ask`` skips YAML, pydantic, and Babel's date formatting and locale data."""
    load_engine(knowledge)  # fills the cache
    script = ("import sys\n"
              "from meetbot.frontends.cli import main\n"
              f"for question in {QUESTIONS!r}:\n"
              f"    main(['ask', '--knowledge', {str(knowledge)!r}, question])\n"
              "print(sorted(set(sys.modules) & {'yaml', 'pydantic', 'babel.dates'}))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=60,
                          check=True)
    *answers, imported = done.stdout.strip().splitlines()
    text = "\n".join(answers)
    assert "Telalian" in text and "7 June 2023" in text and "4 meetings" in text
    assert "7 июня 2023 г." in text
    assert imported == "[]"


QUESTIONS = ["who heads odihr", "when did tokaev meet schmid",
             "how many meetings did kosherbayev have", "когда встречались Токаев и Шмид"]


def test_another_version_of_a_library_the_engine_stores_output_of_misses_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = tmp_path / "datelib.py"
    library.write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache, "BUILT_WITH", ("datelib",))
    cache.code_stamp.cache_clear()
    before = cache.code_stamp()
    library.write_text("VERSION = 22\n", encoding="utf-8")  # an upgrade
    cache.code_stamp.cache_clear()
    try:
        assert cache.code_stamp() != before
    finally:
        cache.code_stamp.cache_clear()
