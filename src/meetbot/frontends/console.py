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

from meetbot.curation.misses import MissLog
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.render import to_plain
from meetbot.store.live import LiveKnowledge

COMMANDS = """Commands:
  /help     what you can ask, and these commands
  /sources  the documents the answers come from
  /why      how the last question was understood (candidates, entities, scores)
  /reset    forget the conversation (follow-ups start afresh)
  /reload   reload the knowledge base now
  /quit     leave (or Ctrl-D)"""


def why(answer: Answer | None) -> str:
    """Describe the routing decision behind ``answer``."""
    if answer is None or answer.route is None:
        return "Nothing asked yet (or the last input was not a question)."
    route = answer.route
    lines = [f"question: {answer.question!r}",
             f"decision: {answer.kind} ({answer.intent or 'no intent'}), "
             f"confidence {route.confidence:.2f}",
             f"template: {route.template!r}"]
    lines.append("candidates:")
    for candidate in route.candidates:
        lines.append(f"  {candidate.score:.2f}  {candidate.intent:<22} "
                     f"(closest phrasing: {candidate.example!r})")
    lines.append(f"gap between top two: {route.margin:.2f}")
    if route.mentions:
        lines.append("entities:")
        for mention in route.mentions:
            origin = "from context" if mention.text == "(context)" else repr(mention.text)
            lines.append(f"  {mention.kind:<7} {mention.id:<28} {origin} "
                         f"(match {mention.score:.0f})")
    else:
        lines.append("entities: none")
    if route.unknown:
        lines.append(f"unknown words: {', '.join(route.unknown)}")
    if route.topic:
        lines.append(f"topic words: {', '.join(route.topic)}")
    return "\n".join(lines)


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
    last: Answer | None = None
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
                print(why(last), file=stdout)
            elif command == "/reset":
                context = Context()
                print("Conversation reset.", file=stdout)
            elif command == "/reload":
                if live.reload(force=True) is None:
                    print("Knowledge base reloaded.", file=stdout)
            elif command:
                print(f"Unknown command {command}. {COMMANDS}", file=stdout)
            else:
                last = live.engine.ask(line, context)
                context = last.context
                if misses is not None:
                    misses.record(last, "console")
                print(to_plain(last, catalog=live.engine.catalog(last.lang)), file=stdout)
            if interactive:
                print(file=stdout)
            stdout.flush()
    except KeyboardInterrupt:
        print(file=stdout)
    finally:
        live.stop()
    return 0
