"""The ``meetbot`` command line: the only place that prints errors and chooses exit codes.

``meetbot`` with no sub-command runs the Telegram bot when ``TELEGRAM_BOT_TOKEN`` is set, and
the console otherwise. Every sub-command takes ``--knowledge DIR`` (default
``$MEETBOT_KNOWLEDGE`` or the project's ``knowledge/``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from meetbot.environment import environment
from meetbot.errors import KnowledgeError, MeetbotError
from meetbot.store.directory import default_knowledge_dir

logger = logging.getLogger(__name__)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meetbot",
        description="Answer questions about official meetings, citing the sources.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", type=Path, metavar="DIR",
                        help="knowledge directory (default: $MEETBOT_KNOWLEDGE or "
                             "the project's knowledge/)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more (DEBUG)")
    common.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS,
                        help="DEBUG shows tracebacks of network failures too (default: "
                             "$MEETBOT_LOG_LEVEL, else INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bot = sub.add_parser("bot", parents=[common], help="run the Telegram bot")
    bot.add_argument("--token-file", type=Path, help="read the bot token from this file")
    bot.add_argument("--webhook-url", help="serve a webhook at this public URL instead of "
                                           "long polling")
    bot.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    bot.add_argument("--port", type=int, default=8443, help="webhook port")
    bot.add_argument("--secret-token", help="webhook secret token (shown in the process "
                                            "list: prefer --secret-token-file or "
                                            "$MEETBOT_WEBHOOK_SECRET)")
    bot.add_argument("--secret-token-file", type=Path,
                     help="read the webhook secret token from this file")
    bot.add_argument("--base-url", help=argparse.SUPPRESS)

    sub.add_parser("console", parents=[common], help="talk to the bot in this terminal")

    ask = sub.add_parser("ask", parents=[common], help="ask one question (or '-' for stdin)")
    ask.add_argument("question", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (JSON Lines for '-')")
    ask.add_argument("--conversation", action="store_true",
                     help="with '-': treat the lines as turns of one conversation")

    why = sub.add_parser("why", parents=[common],
                         help="show how one question is understood, stage by stage")
    why.add_argument("question", help="the question")
    why.add_argument("--json", action="store_true", help="print the explanation as JSON")

    sub.add_parser("check", parents=[common], help="validate the knowledge base")

    ev = sub.add_parser("eval", parents=[common], help="run a question file, report accuracy")
    ev.add_argument("file", type=Path, nargs="+", help="question file(s) in YAML")
    ev.add_argument("--sweep", action="store_true", help="also sweep the answer threshold")
    ev.add_argument("--failures", type=int, default=20, help="failures to list")
    ev.add_argument("--split", choices=("dev", "test"),
                    help="only the items of this half of files that split their items")
    ev.add_argument("--min-accuracy", type=float, default=0.0,
                    help="exit 1 when accuracy falls below this (0..1)")

    ingest = sub.add_parser("ingest", parents=[common],
                            help="register a new source document and draft its YAML")
    ingest.add_argument("file", type=Path, help="the document, as UTF-8 text")
    ingest.add_argument("--url", required=True)
    ingest.add_argument("--publisher", required=True)
    ingest.add_argument("--title")
    ingest.add_argument("--date", help="publication date, YYYY-MM-DD")
    ingest.add_argument("--id", dest="source_id", help="source id (default: from the file)")

    misses = sub.add_parser("misses", parents=[common],
                            help="group declined questions and print YAML stubs")
    misses.add_argument("--log", type=Path, help="misses log (default: $MEETBOT_MISSES)")
    misses.add_argument("--top", type=int, default=20)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        # No sub-command: the bot when a token is set, else the console (options go to it).
        argv = ["bot" if environment().token else "console", *argv]
    args = _parser().parse_args(argv)
    level = _log_level(args)
    if level is None:
        print(f"meetbot: MEETBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got "
              f"{environment().log_level!r})", file=sys.stderr)
        return 2
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    command = args.command
    directory = args.knowledge or default_knowledge_dir()
    try:
        return _run(command, args, directory)
    except KnowledgeError as exc:
        print(f"meetbot: the knowledge base has errors:\n{exc}", file=sys.stderr)
        return 2
    except MeetbotError as exc:
        print(f"meetbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _log_level(args: argparse.Namespace) -> int | None:
    """The level to log at: ``-v``, else ``--log-level``, else ``$MEETBOT_LOG_LEVEL``, else
    INFO; None when the variable names no level."""
    if getattr(args, "verbose", False):
        return logging.DEBUG
    name = getattr(args, "log_level", None) or environment().log_level
    if not name:
        return logging.INFO
    if name.upper() not in LOG_LEVELS:
        return None
    return int(getattr(logging, name.upper()))


def _run(command: str, args: argparse.Namespace, directory: Path) -> int:
    if command == "check":
        return _check(directory)
    if command == "ingest":
        from meetbot.curation.ingest import ingest

        result = ingest(directory, args.file, url=args.url, publisher=args.publisher,
                        title=args.title, date=args.date, source_id=args.source_id)
        print(result)
        return 0
    if command == "misses":
        from meetbot.curation.misses import default_log_path, report

        print(report(args.log or default_log_path(), directory, top=args.top))
        return 0
    from meetbot.store.live import LiveKnowledge

    live = LiveKnowledge(directory)
    if command == "console":
        from meetbot.curation.misses import miss_log_from_env
        from meetbot.frontends.console import run

        return run(live, misses=miss_log_from_env())
    if command == "ask":
        return _ask(live, args)
    if command == "why":
        return _why(live, args)
    if command == "eval":
        return _eval(live, args)
    if command == "bot":
        from meetbot.frontends.telegram import run_bot

        return run_bot(live, args)
    raise MeetbotError(f"unknown command {command}")


def _check(directory: Path) -> int:
    from meetbot.answers.engine import Engine
    from meetbot.curation.check import warnings
    from meetbot.store import load

    try:
        kb = load(directory)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"\n{len(exc.problems)} error(s); the bot would keep serving the last good "
              "knowledge base.")
        drafts_ok = _check_drafts(directory)
        del drafts_ok
        return 1
    engine = Engine(kb)
    found = warnings(engine)
    for problem in found:
        print(problem)
    drafts_ok = _check_drafts(directory)
    cites = sum(1 for _ in _all_cites(kb))
    print(f"OK: {len(kb.sources)} sources, {len(kb.people)} people, "
          f"{len(kb.organizations)} organisations, {len(kb.events)} events, "
          f"{len(kb.meetings)} meetings, {len(kb.faq)} FAQ entries, {len(kb.intents)} "
          f"intents; {cites} citations verified; {len(found)} warning(s).")
    return 0 if drafts_ok else 1


def _check_drafts(directory: Path) -> bool:
    drafts = directory / "drafts"
    if not drafts.is_dir() or not any(drafts.glob("*.yaml")):
        return True
    from meetbot.curation.ingest import check_drafts
    from meetbot.curation.ingest.needs import draft_needs

    problems = check_drafts(directory)
    for problem in problems:
        print(problem)
    for need in draft_needs(directory):
        print(need)
    if not problems:
        print(f"drafts: {len(list(drafts.glob('*.yaml')))} draft file(s) valid "
              "(not served until moved into the knowledge base)")
    return not problems


def _all_cites(kb: object) -> list[object]:
    from meetbot.domain.knowledge import cites_in

    found: list[object] = []
    for table in ("people", "organizations", "events", "meetings", "faq"):
        for entry in getattr(kb, table).values():
            found.extend(cite for _, cite in cites_in(entry))
    return found


def _ask(live: object, args: argparse.Namespace) -> int:
    from meetbot.domain.answer import Answer
    from meetbot.domain.dialogue import Context
    from meetbot.render import to_json, to_plain
    from meetbot.store.live import LiveKnowledge

    assert isinstance(live, LiveKnowledge)

    def render(answer: Answer) -> str:
        if args.json:
            return to_json(answer)
        return to_plain(answer, catalog=live.engine.catalog(answer.lang))

    if args.question != "-":
        print(render(live.engine.ask(args.question)))
        return 0
    live.watch(warm=False, after=0.5)
    context = Context()
    try:
        for line in sys.stdin:
            question = line.rstrip("\r\n")
            if not question.strip() and not args.json:
                continue  # JSON Lines keep one object per line: a blank one is answered too
            answer = live.engine.ask(question, context if args.conversation else None)
            if args.conversation and question.strip():
                context = answer.context
            sys.stdout.write(render(answer) + ("\n" if args.json else "\n\n"))
            sys.stdout.flush()
    finally:
        live.stop()
    return 0


def _why(live: object, args: argparse.Namespace) -> int:
    from meetbot.answers.explain import explain, render_explanation
    from meetbot.render import json_line
    from meetbot.store.live import LiveKnowledge

    assert isinstance(live, LiveKnowledge)
    explanation = explain(live.engine, args.question)
    if args.json:
        print(json_line(explanation.as_dict()))
    else:
        print(render_explanation(explanation))
    return 0


def _eval(live: object, args: argparse.Namespace) -> int:
    from meetbot.curation.evaluate import (
        evaluate,
        format_languages,
        format_report,
        load_questions,
        select,
        sweep,
    )
    from meetbot.store.live import LiveKnowledge

    assert isinstance(live, LiveKnowledge)
    worst = 1.0
    reports = []
    for path in args.file:
        items = select(load_questions(path), args.split)
        report = evaluate(live.engine, items)
        reports.append(report)
        worst = min(worst, report.accuracy)
        print(f"== {path}")
        print(format_report(report, show_failures=args.failures))
        if args.sweep:
            print("threshold sweep (answer threshold; suggest = answer - 0.2):")
            print("  threshold  accuracy  decoys declined  in-scope answered")
            for level, accuracy, declined, answered in sweep(live.engine, items):
                mark = "  <- current" if abs(level - live.engine.answer_threshold) < 1e-9 else ""
                print(f"  {level:9.2f}  {accuracy:8.1%}  {declined:15.1%}  {answered:17.1%}"
                      f"{mark}")
        print()
    if len(reports) > 1:
        print(format_languages(reports))
    return 0 if worst >= args.min_accuracy else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
