"""Files named on the command line or in a knowledge directory: only regular files, and never
more than the size limit, are read. A device that never ends (``/dev/zero``) or a FIFO
nobody writes to is refused at once with one clear line, instead of eating memory or
hanging."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kbfactory import PROJECT_ROOT, REAL_KNOWLEDGE, SOURCE_FILE
from meetbot.curation.evaluate import QuestionFileError, load_questions
from meetbot.errors import KnowledgeError, TokenError
from meetbot.files import MAX_FILE_BYTES
from meetbot.frontends.telegram.security import read_token
from meetbot.store import load

MEMORY_LIMIT = 1 << 30
"""Address space a refused ingest runs in: ample for meetbot, far below a runaway read."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def ingest(document: Path | str, knowledge: Path, env: dict[str, str]
           ) -> subprocess.CompletedProcess[str]:
    """``meetbot ingest DOCUMENT`` in at most 1 GB of memory and 20 seconds."""
    return subprocess.run(
        [sys.executable, "-m", "meetbot", "ingest", str(document), "--url",
         "https://example.org/test", "--publisher", "Test Publisher", "--knowledge",
         str(knowledge)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=20, check=False, preexec_fn=_limit_memory)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REAL_KNOWLEDGE, tmp_path / "knowledge",
                                ignore=shutil.ignore_patterns("drafts")))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_ingesting_dev_zero_is_refused_at_once_in_bounded_memory(
        kb_copy: Path, cli_env: dict[str, str]) -> None:
    before = sorted(kb_copy.rglob("*"))
    result = ingest("/dev/zero", kb_copy, cli_env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip() == ("meetbot: cannot read the document: /dev/zero: it is a "
                                     "character device, not a regular file")
    assert result.stdout == ""
    assert sorted(kb_copy.rglob("*")) == before, "nothing is registered"


def test_ingesting_a_fifo_is_refused_without_waiting_for_a_writer(
        kb_copy: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    fifo = tmp_path / "document.txt"
    os.mkfifo(fifo)
    result = ingest(fifo, kb_copy, cli_env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [
        f"meetbot: cannot read the document: {fifo}: it is a FIFO (named pipe), not a "
        "regular file"]


def test_ingesting_a_document_over_the_limit_names_its_size(
        kb_copy: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_FILE_BYTES + 100_000))
    result = ingest(big, kb_copy, cli_env)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"meetbot: the document is too large (the limit is 5 MB): "
                                     f"{big} is 5.1 MB")


def test_reading_stops_one_byte_past_the_limit(tmp_path: Path) -> None:
    from meetbot.files import FileTooLarge, read_regular

    path = tmp_path / "exact.txt"
    path.write_bytes(b"x" * 1000)
    assert read_regular(path, 1000) == b"x" * 1000
    with pytest.raises(FileTooLarge, match="1000 bytes"):
        read_regular(path, 999)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.timeout(10)
def test_a_device_is_refused_before_it_is_read() -> None:
    from meetbot.files import NotRegularFile, read_regular

    with pytest.raises(NotRegularFile, match="character device"):
        read_regular("/dev/zero", 1000)


@pytest.mark.timeout(10)
def test_a_fifo_as_question_file_or_token_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(QuestionFileError, match=r"FIFO \(named pipe\), not a regular file"):
        load_questions(fifo)
    with pytest.raises(TokenError, match=r"cannot read the token file .*FIFO"):
        read_token(fifo, environ={})


def test_an_oversized_token_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("123456789:" + "A" * 10_000)
    with pytest.raises(TokenError, match="cannot read the token file") as caught:
        read_token(token_file, environ={})
    assert "AAAA" not in str(caught.value)


@pytest.mark.timeout(10)
def test_a_fifo_named_like_a_knowledge_file_is_an_error(small_kb: Path) -> None:
    os.mkfifo(small_kb / "extra.yaml")
    with pytest.raises(KnowledgeError) as caught:
        load(small_kb)
    assert [p.message for p in caught.value.problems if p.file.endswith("extra.yaml")] == [
        "cannot read file: it is a FIFO (named pipe), not a regular file; replace it with a "
        "YAML text file"]


@pytest.mark.timeout(10)
def test_a_fifo_as_source_text_is_reported_at_its_file_line(small_kb: Path) -> None:
    source = small_kb / SOURCE_FILE
    source.unlink()
    os.mkfifo(source)
    with pytest.raises(KnowledgeError) as caught:
        load(small_kb)
    sources_yaml = (small_kb / "sources.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(sources_yaml, 1) if text.strip().startswith("file:"))
    problems = [p for p in caught.value.problems if p.file.endswith("sources.yaml")]
    assert [(p.line, p.message) for p in problems] == [
        (line, f"cannot read source file {SOURCE_FILE!r}: it is a FIFO (named pipe), not a "
               "regular file")]


def test_a_source_text_over_the_limit_is_an_error(small_kb: Path) -> None:
    source = small_kb / SOURCE_FILE
    source.write_text(source.read_text() + "x" * MAX_FILE_BYTES)
    with pytest.raises(KnowledgeError) as caught:
        load(small_kb)
    assert any("the limit is 5 MB" in p.message and p.file.endswith("sources.yaml")
               for p in caught.value.problems), caught.value.problems
