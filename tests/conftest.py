"""Shared fixtures: the project root, the shipped knowledge base, small knowledge bases,
and the environment for command-line subprocesses."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from kbfactory import REAL_KNOWLEDGE, write_small_kb
from meetbot.answers.engine import Engine
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.nlu.router import Router
from meetbot.store import load


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    """The project's own knowledge base, loaded once."""
    return load(REAL_KNOWLEDGE)


@pytest.fixture(scope="session")
def shipped_engine(shipped_kb: KnowledgeBase) -> Engine:
    """An engine over the shipped knowledge base (engines are stateless between asks)."""
    return Engine(shipped_kb)


@pytest.fixture(scope="session")
def router(shipped_engine: Engine) -> Router:
    """The router of the shipped knowledge base's engine."""
    return shipped_engine.router


@pytest.fixture(scope="session")
def small_router(tmp_path_factory: pytest.TempPathFactory) -> Router:
    """A router over the small test knowledge base, built once."""
    return Router(load(write_small_kb(tmp_path_factory.mktemp("kb"))))


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """A fresh copy of the small test knowledge base, safe to edit or break."""
    return write_small_kb(tmp_path / "kb")


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "MEETBOT_KNOWLEDGE", "MEETBOT_MISSES",
                        "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONIOENCODING"] = "utf-8"
    # Subprocesses start faster with compiled bytecode; keep it out of the source tree.
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "meetbot-tests-pycache")
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for meetbot subprocesses: no token, no knowledge override, and the
    misses log in a temporary directory."""
    misses = tmp_path_factory.mktemp("misses") / "misses.jsonl"
    return _clean_env({"MEETBOT_MISSES": str(misses)})


@pytest.fixture(scope="session", autouse=True)
def _misses_log_outside_the_project(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every process the tests start (bot, console) logs misses to a temporary file."""
    os.environ["MEETBOT_MISSES"] = str(tmp_path_factory.mktemp("misses-all") / "misses.jsonl")


@pytest.fixture(scope="session", autouse=True)
def _engine_cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every process the tests start caches engines in a temporary directory."""
    os.environ["MEETBOT_CACHE"] = str(tmp_path_factory.mktemp("engine-cache"))
