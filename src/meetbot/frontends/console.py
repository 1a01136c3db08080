"""``meetbot console``: talk to the engine locally, with the conversation context kept.

Line editing and history come from :mod:`readline` when stdin is a terminal; piped input is
read line by line with no prompt. Commands: /help, /sources, /why, /reset, /reload, /quit.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from meetbot.answers.engine import Engine
from meetbot.answers.explain import explain, render_explanation
from meetbot.curation.misses import MissLog
from meetbot.domain.dialogue import Context
from meetbot.render import to_plain
from meetbot.store.live import LiveKnowledge

COMMANDS = """Commands:
  /help     what you can ask, and these commands
  /sources  the documents the answers come from
  /why      how the last question was understood, stage by stage (language, words,
            entities, candidate intents, slots, evidence, the choice and why)
  /reset    forget the conversation (follow-ups start afresh)
  /reload   reload the knowledge base now
  /quit     leave (or Ctrl-D)"""


NOTHING_ASKED = "Nothing asked yet (or the last input was not a question)."


def why(engine: Engine, asked: tuple[str, Context] | None) -> str:
    """Explain, stage by stage, how ``engine`` understood the question ``asked`` (the
    question and the conversation it was asked in)."""
    if asked is None:
        return NOTHING_ASKED
    question, context = asked
    return render_explanation(explain(engine, question, context))


def sources_text(live: LiveKnowledge) -> str:
    """List the registered sources."""
    docs = sorted(live.engine.kb.sources.values(), key=lambda d: d.meta.published)
    english = live.engine.catalog("en")
    return "\n".join(f"• {d.meta.title}\n  {d.meta.publisher}, {english.date(d.meta.published)}"
                     f"\n  {d.meta.url}" for d in docs)


def _lines(stdin: TextIO, interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from (line.rstrip("\n") for line in stdin)
        return
    while True:
        try:
            yield input("you> ")
        except EOFError:
            print()
            return


def _setup_history() -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - not on every platform
        return
    history = Path.home() / ".meetbot_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)
    import atexit

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(history)

    atexit.register(save)


def run(live: LiveKnowledge, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
        watch: bool = True, misses: MissLog | None = None) -> int:
    """Run the console until /quit or end of input; return the exit status.

    Declined and "did you mean" questions go to ``misses`` (for ``meetbot misses``).
    """
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        _setup_history()
        print("meetbot console — ask about Kazakhstan's meetings with the OSCE's leaders. "
              "/help for commands, /quit to leave.", file=stdout)

    def report(problems: object) -> None:
        if problems:
            print("\n! knowledge edit rejected; still serving the last good knowledge base:",
                  file=stdout)
            for problem in problems:  # type: ignore[attr-defined]
                print(f"  {problem}", file=stdout)
        else:
            print("\n(knowledge base reloaded)", file=stdout)
        stdout.flush()

    live.subscribe(report)
    if watch:
        live.watch()
    context = Context()
    asked: tuple[str, Context] | None = None  # the last question, and the context it had
    try:
        for raw in _lines(stdin, interactive):
            line = raw.strip()
            if not line:
                continue
            command = line.split()[0].lower() if line.startswith("/") else ""
            if command in ("/quit", "/exit"):
                break
            if command == "/help":
                answer = live.engine.ask("help")
                print(f"{answer.text}\n\n{COMMANDS}", file=stdout)
            elif command == "/sources":
                print(sources_text(live), file=stdout)
            elif command == "/why":
                print(why(live.engine, asked), file=stdout)
            elif command == "/reset":
                context = Context()
                print("Conversation reset.", file=stdout)
            elif command == "/reload":
                if live.reload(force=True) is None:
                    print("Knowledge base reloaded.", file=stdout)
            elif command:
                print(f"Unknown command {command}. {COMMANDS}", file=stdout)
            else:
                asked = (line, context)
                answer = live.engine.ask(line, context)
                context = answer.context
                if misses is not None:
                    misses.record(answer, "console")
                print(to_plain(answer, catalog=live.engine.catalog(answer.lang)), file=stdout)
            if interactive:
                print(file=stdout)
            stdout.flush()
    except KeyboardInterrupt:
        print(file=stdout)
    finally:
        live.stop()
    return 0
