"""Benchmark meetbot: load time, memory and answer latency, from 10 to 10,000 meetings.

For each size (``--sizes``, default 10, 100, 1,000 and 10,000 meetings) a synthetic
knowledge base in the real schema is generated into a temporary directory
(:mod:`synth`), and a fresh child process measures, so sizes do not pollute each other:

* ``first_load_s`` — the first load of a knowledge base, in a fresh process with an empty
  engine cache: parse, validate, verify every citation against its source text, build the
  router's index, and write the engine cache (:mod:`meetbot.store.cache`);
* ``load_s`` — a later load of the same, unchanged files (``meetbot.store.cache.load_engine``, as a
  restarted bot does): the engine comes from the cache keyed by the files' content (median
  of a few runs). Any edit invalidates the cache, so the next load is a first load again;
* ``rss_mb`` — resident memory (psutil, MiB) of that child once the knowledge base is loaded
  and the engine built (``base`` in the table: the same child before loading);
* ``p50_ms`` / ``p99_ms`` — ``Engine.ask`` wall-clock latency over a seeded mix of question
  classes built from the knowledge base's own entities (who is X, who is the <role>, when
  did X meet Y, what did X and Y discuss, whom did X meet, what did X say about <topic>, did
  X meet Z, list meetings in <year>, how many meetings did X have, what is <ACR>, and
  out-of-scope decoys), ~20% with a one-letter typo in a name, after a warm-up;
* ``floor_p50_ms`` — a bare ``rapidfuzz.process.extractOne(question, phrasings)`` over all
  example phrasings of that knowledge base (intent examples + FAQ questions), same questions.

For the shipped knowledge base it also measures answer p50/p99, the wall time of a cold
``python -m meetbot ask "who heads odihr"`` (median of 5), ``meetbot ask --json -``
throughput over ~500 piped questions, and a plain BM25 paragraph search over the source
texts (rank_bm25) for the same questions, in process and as a process reading stdin
(``benchmarks/bm25.py``, kept as small as a script can be so it starts as fast as it can).

Usage::

    .venv/bin/python benchmarks/bench.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench.py --quick --json
    .venv/bin/python benchmarks/bench.py --profile 10000   # pyinstrument: load, answering

``--json`` ends the output with one line ``{"sizes": [...], "shipped": {...}}``.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine
    from meetbot.domain.knowledge import KnowledgeBase

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHIPPED = ROOT / "knowledge"
DEFAULT_SIZES = (10, 100, 1000, 10000)
COLD_QUESTION = "who heads odihr"
CHILD_TIMEOUT_S = 1800

DECOYS = (
    "what is the weather in paris tomorrow", "who won the champions league final",
    "how do i bake sourdough bread", "what is the price of gold today",
    "recommend a good science fiction book", "how many calories are in a banana",
    "who is the president of france", "what is the capital of australia",
    "write a haiku about autumn", "how do i reset my router",
    "what time does the pharmacy close", "translate good night into spanish",
    "is it going to snow this weekend", "which laptop is best for programming",
    "how far away is the moon", "what is the square root of 144",
    "who painted the mona lisa", "give me a workout plan for beginners",
    "how can i learn the guitar quickly", "which movies are playing tonight",
)
EXPECTED: dict[str, frozenset[str]] = {
    "who_is": frozenset({"who_is"}),
    "role_holder": frozenset({"role_holder", "org_head"}),
    "meeting_date": frozenset({"meeting_date"}),
    "meeting_topics": frozenset({"meeting_topics"}),
    "person_meetings": frozenset({"person_meetings"}),
    "statements": frozenset({"statements"}),
    "did_meet": frozenset({"did_meet"}),
    "list_year": frozenset({"list_meetings"}),
    "count": frozenset({"count_meetings"}),
    "org_info": frozenset({"org_info"}),
    "decoy": frozenset(),
}
CLASS_WEIGHTS: dict[str, float] = {
    "who_is": 1.2, "role_holder": 1.0, "meeting_date": 1.2, "meeting_topics": 1.0,
    "person_meetings": 1.0, "statements": 1.0, "did_meet": 1.0, "list_year": 0.6,
    "count": 0.8, "org_info": 0.8, "decoy": 0.8,
}
TYPO_SHARE = 0.2


# -- questions ------------------------------------------------------------------------------
def typo(word: str, rng: random.Random) -> str:
    """Return ``word`` with one plausible one-character typo (never the first letter)."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("sub", "del", "ins", "swap"))
    letters = "aeiou" if word[i].lower() in "aeiou" else "bdgklmnprstvz"
    if op == "sub":
        return word[:i] + rng.choice([c for c in letters if c != word[i].lower()]) + word[i + 1:]
    if op == "del":
        return word[:i] + word[i + 1:]
    if op == "ins":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


class QuestionMaker:
    """A seeded stream of (class, question, has_typo) built from a knowledge base."""

    def __init__(self, kb: KnowledgeBase, seed: int) -> None:
        self.kb = kb
        self.rng = random.Random(seed)
        self.people = sorted(kb.people)
        self.meetings = sorted(kb.meetings)
        holders: set[str] = {h.role for p in kb.people.values() for h in p.roles}
        self.roles = sorted(r for r in kb.roles if r in holders)
        self.acronyms = sorted(a for o in kb.organizations.values() for a in o.acronyms)
        self.statements = [(m.id, i) for m in kb.meetings.values()
                           for i in range(len(m.statements))]
        self.years = sorted({m.date[:4] for m in kb.meetings.values()})
        self.classes = list(CLASS_WEIGHTS)
        self.weights = [CLASS_WEIGHTS[c] for c in self.classes]
        self.makers: dict[str, Callable[[bool], str | None]] = {
            "who_is": self._who_is, "role_holder": self._role_holder,
            "meeting_date": self._meeting_date, "meeting_topics": self._meeting_topics,
            "person_meetings": self._person_meetings, "statements": self._statements,
            "did_meet": self._did_meet, "list_year": self._list_year, "count": self._count,
            "org_info": self._org_info, "decoy": self._decoy,
        }

    def take(self, n: int) -> list[tuple[str, str, bool]]:
        """Return ``n`` questions."""
        out: list[tuple[str, str, bool]] = []
        while len(out) < n:
            cls = self.rng.choices(self.classes, self.weights)[0]
            typoed = self.rng.random() < TYPO_SHARE
            question = self.makers[cls](typoed)
            if question:
                out.append((cls, question, typoed and cls not in ("decoy", "list_year")))
        return out

    def _person(self, pid: str, typoed: bool) -> str:
        person = self.kb.people[pid]
        draw = self.rng.random()
        surname = person.name.split()[-1]
        if draw < 0.5:
            text = surname
        elif draw < 0.85 or not person.aliases:
            text = person.name
        else:
            text = self.rng.choice(person.aliases)
        if typoed and surname in text:
            text = text.replace(surname, typo(surname, self.rng))
        elif typoed:
            text = typo(text, self.rng)
        return text

    def _someone(self) -> str:
        """A person: half uniformly, half weighted by how often they meet."""
        if self.meetings and self.rng.random() < 0.5:
            meeting = self.kb.meetings[self.rng.choice(self.meetings)]
            return self.rng.choice(meeting.participants)
        return self.rng.choice(self.people)

    def _pair(self) -> tuple[str, str] | None:
        if not self.meetings:
            return None
        meeting = self.kb.meetings[self.rng.choice(self.meetings)]
        a, b = self.rng.sample(list(meeting.participants), 2)
        return a, b

    def _who_is(self, typoed: bool) -> str:
        form = self.rng.choice(("who is {p}", "tell me about {p}", "what position does {p} hold",
                                "who is {p}?"))
        return form.format(p=self._person(self._someone(), typoed))

    def _role_holder(self, typoed: bool) -> str | None:
        if not self.roles:
            return None
        role = self.kb.roles[self.rng.choice(self.roles)]
        name = role.name if self.rng.random() < 0.6 or not role.aliases else self.rng.choice(
            role.aliases)
        if self.rng.random() < 0.3 and self.years:
            return f"who was the {name} in {self.rng.choice(self.years)}"
        return self.rng.choice(("who is the {r}", "who is the {r}?", "who is the current {r}"
                                )).format(r=name)

    def _two(self, forms: Sequence[str], typoed: bool) -> str | None:
        pair = self._pair()
        if pair is None:
            return None
        a = self._person(pair[0], typoed)
        b = self._person(pair[1], False)
        return self.rng.choice(forms).format(a=a, b=b)

    def _meeting_date(self, typoed: bool) -> str | None:
        return self._two(("when did {a} meet {b}", "when did {a} and {b} meet",
                          "when did {a} meet with {b}?"), typoed)

    def _meeting_topics(self, typoed: bool) -> str | None:
        return self._two(("what did {a} and {b} discuss", "what did {a} discuss with {b}",
                          "what did {a} and {b} talk about?"), typoed)

    def _person_meetings(self, typoed: bool) -> str:
        form = self.rng.choice(("whom did {p} meet", "who did {p} meet with",
                                "which officials did {p} meet?"))
        return form.format(p=self._person(self._someone(), typoed))

    def _statements(self, typoed: bool) -> str | None:
        if not self.statements:
            return None
        mid, index = self.rng.choice(self.statements)
        statement = self.kb.meetings[mid].statements[index]
        topic = self.rng.choice(statement.keywords) if statement.keywords else "cooperation"
        who = self._person(statement.speaker, typoed)
        return self.rng.choice(("what did {p} say about {t}", "what did {p} say about {t}?",
                                "what did {p} say regarding {t}")).format(p=who, t=topic)

    def _did_meet(self, typoed: bool) -> str | None:
        if self.rng.random() < 0.5:
            return self._two(("did {a} meet {b}", "did {a} ever meet {b}?"), typoed)
        a = self._person(self._someone(), typoed)
        b = self._person(self.rng.choice(self.people), False)
        return f"did {a} meet {b}"

    def _list_year(self, typoed: bool) -> str | None:
        if not self.years:
            return None
        return self.rng.choice(("list the meetings in {y}", "what meetings took place in {y}",
                                "meetings in {y}")).format(y=self.rng.choice(self.years))

    def _count(self, typoed: bool) -> str:
        form = self.rng.choice(("how many meetings did {p} have",
                                "how many meetings did {p} hold?"))
        return form.format(p=self._person(self._someone(), typoed))

    def _org_info(self, typoed: bool) -> str | None:
        if not self.acronyms:
            return None
        return self.rng.choice(("what is {a}", "what does {a} stand for",
                                "what is the {a}?")).format(a=self.rng.choice(self.acronyms))

    def _decoy(self, typoed: bool) -> str:
        return self.rng.choice(DECOYS)


def routed_ok(cls: str, answered: bool, intent: str | None) -> bool:
    """True when the answer is of the kind the question class calls for."""
    if cls == "decoy":
        return not answered
    return answered and intent in EXPECTED[cls]


# -- statistics -----------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _r(value: float, digits: int = 3) -> float:
    return round(value, digits) if math.isfinite(value) else value


# -- the child: one knowledge base, one fresh process -----------------------------------------
def _import_meetbot() -> None:
    try:
        import meetbot  # noqa: F401
    except ImportError:  # a checkout without `pip install -e .`
        sys.path.insert(0, str(ROOT / "src"))


def _rss_mb() -> float:
    import psutil  # type: ignore[import-untyped]

    return float(psutil.Process().memory_info().rss) / 2**20


def measure(directory: Path, runs: int, n_questions: int, warmup: int,
            seed: int) -> dict[str, Any]:
    """Load ``directory`` ``runs`` times and time ``n_questions`` answers (in this process)."""
    _import_meetbot()
    from rapidfuzz import process

    from meetbot.lang.normalize import normalize
    from meetbot.store.cache import load_engine

    gc.collect()
    base_rss = _rss_mb()
    loads: list[float] = []
    cpu_loads: list[float] = []
    engine: Engine | None = None
    rss = 0.0
    for run in range(runs):
        clear = getattr(normalize, "cache_clear", None)
        if clear is not None:
            clear()
        wall, cpu = time.perf_counter(), time.process_time()
        candidate = load_engine(directory)
        kb = candidate.kb
        loads.append(time.perf_counter() - wall)
        cpu_loads.append(time.process_time() - cpu)
        if run == 0:
            engine = candidate
            engine.warm_up()  # as a long-running bot does in the background after loading
            gc.collect()
            rss = _rss_mb()
        del kb, candidate
        gc.collect()
    assert engine is not None
    kb = engine.kb
    maker = QuestionMaker(kb, seed)
    for _, question, _ in QuestionMaker(kb, seed + 1).take(warmup):
        engine.ask(question)
    questions = maker.take(n_questions)
    latencies: list[float] = []
    cpu_latencies: list[float] = []
    per_class: dict[str, list[float]] = {}
    ok: dict[str, list[bool]] = {}
    typo_ok: list[bool] = []
    for cls, question, typoed in questions:
        wall_ns, cpu_ns = time.perf_counter_ns(), time.thread_time_ns()
        answer = engine.ask(question)
        elapsed = (time.perf_counter_ns() - wall_ns) / 1e6
        cpu_latencies.append((time.thread_time_ns() - cpu_ns) / 1e6)
        latencies.append(elapsed)
        per_class.setdefault(cls, []).append(elapsed)
        hit = routed_ok(cls, answer.answered, answer.intent)
        ok.setdefault(cls, []).append(hit)
        if typoed:
            typo_ok.append(hit)
    phrasings = phrasings_of(engine)
    floor: list[float] = []
    for _, question, _ in questions:
        start = time.perf_counter_ns()
        process.extractOne(question, phrasings)
        floor.append((time.perf_counter_ns() - start) / 1e6)
    all_ok = [hit for hits in ok.values() for hit in hits]
    return {
        "load_s": statistics.median(loads), "load_runs": [_r(x) for x in loads],
        "load_cpu_s": statistics.median(cpu_loads),
        "rss_mb": rss, "base_rss_mb": base_rss,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies), "mean_ms": statistics.fmean(latencies),
        "cpu_p50_ms": percentile(cpu_latencies, 50), "cpu_p99_ms": percentile(cpu_latencies, 99),
        "floor_p50_ms": percentile(floor, 50), "floor_p99_ms": percentile(floor, 99),
        "questions": len(questions), "phrasings": len(phrasings),
        "routed_ok": sum(all_ok) / len(all_ok), "typo_ok": (sum(typo_ok) / len(typo_ok)
                                                             if typo_ok else float("nan")),
        "classes": {cls: {"n": len(values), "p50_ms": percentile(values, 50),
                          "p99_ms": percentile(values, 99),
                          "ok": sum(ok[cls]) / len(ok[cls])}
                    for cls, values in sorted(per_class.items())},
        "counts": {"meetings": len(kb.meetings), "people": len(kb.people),
                   "roles": len(kb.roles), "organizations": len(kb.organizations),
                   "events": len(kb.events), "faq": len(kb.faq), "sources": len(kb.sources),
                   "aliases": len(engine.router.lexicon.aliases)},
    }


def phrasings_of(engine: Engine) -> list[str]:
    """Every example phrasing the router learns from (intent examples and FAQ questions)."""
    examples = getattr(engine.router, "examples", None)
    if examples:
        return [example.text for example in examples]
    kb = engine.kb
    return ([text for intent in kb.intents.values() for text in intent.examples]
            + [text for faq in kb.faq.values() for text in faq.questions])


def prime(directory: Path) -> dict[str, float]:
    """Time the first (uncached) load in this process; it also writes the engine cache."""
    _import_meetbot()
    from meetbot.store.cache import load_engine

    wall, cpu = time.perf_counter(), time.process_time()
    load_engine(directory)
    return {"first_load_s": time.perf_counter() - wall,
            "first_load_cpu_s": time.process_time() - cpu}


def run_child(directory: Path, runs: int, n_questions: int, warmup: int,
              seed: int, *, cache: Path | None = None, first: bool = False) -> dict[str, Any]:
    """Run :func:`measure` (or, with ``first``, :func:`prime`) in a fresh interpreter."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(directory),
               "--child-runs", str(runs), "--child-questions", str(n_questions),
               "--child-warmup", str(warmup), "--seed", str(seed)]
    if first:
        command.append("--child-prime")
    env = dict(os.environ)
    if cache is not None:
        env["MEETBOT_CACHE"] = str(cache)
    done = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
                          check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"measuring {directory} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the shipped knowledge base -------------------------------------------------------------
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["MEETBOT_KNOWLEDGE"] = str(SHIPPED)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def cold_ask(repeats: int) -> list[float]:
    """Wall times of ``python -m meetbot ask QUESTION`` (after one untimed run)."""
    command = [sys.executable, "-m", "meetbot", "ask", COLD_QUESTION]
    times: list[float] = []
    for attempt in range(repeats + 1):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=_env(), cwd=ROOT,
                              timeout=120, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"meetbot ask failed: {done.stderr[-2000:]}")
        if attempt:
            times.append(elapsed)
    return times


def piped(command: list[str], lines: Sequence[str]) -> dict[str, float]:
    """Feed ``lines`` to ``command``; time the whole run and the first-to-last output line."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=_env(), cwd=ROOT)
    assert proc.stdin is not None and proc.stdout is not None
    stdin = proc.stdin

    def feed() -> None:
        stdin.write("".join(line + "\n" for line in lines))
        stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    stamps: list[float] = []
    for _ in proc.stdout:
        stamps.append(time.perf_counter())
    proc.wait(timeout=300)
    end = time.perf_counter()
    writer.join()
    if len(stamps) != len(lines):
        raise RuntimeError(f"{command[:4]} printed {len(stamps)} lines for {len(lines)}")
    return {"wall_s": end - start, "first_s": stamps[0] - start,
            "steady_qps": (len(stamps) - 1) / (stamps[-1] - stamps[0]),
            "qps": len(lines) / (end - start), "exit_s": end - stamps[-1]}


def bm25_in_process(directory: Path, questions: Sequence[str]) -> dict[str, float]:
    """Queries per second of BM25Okapi over the source paragraphs (index built first)."""
    from bm25 import paragraphs as source_paragraphs
    from bm25 import tokens
    from rank_bm25 import BM25Okapi

    paragraphs = source_paragraphs(directory)
    start = time.perf_counter()
    index = BM25Okapi([tokens(p) for p in paragraphs])
    build = time.perf_counter() - start
    start = time.perf_counter()
    for question in questions:
        int(index.get_scores(tokens(question)).argmax())
    elapsed = time.perf_counter() - start
    return {"qps": len(questions) / elapsed, "build_s": build, "paragraphs": len(paragraphs)}


def measure_shipped(quick: bool, seed: int) -> dict[str, Any]:
    """Answer latency, cold start, ``ask --json -`` throughput and BM25 for knowledge/."""
    n_questions = 300 if quick else 1000
    child = run_child(SHIPPED, 3 if quick else 7, n_questions, 50, seed)
    _import_meetbot()
    from meetbot.store import load

    kb = load(SHIPPED)
    lines = [q for _, q, _ in QuestionMaker(kb, seed + 7).take(500)]
    cold = cold_ask(5)
    ask = piped([sys.executable, "-m", "meetbot", "ask", "--json", "-"], lines)
    bm25_proc = piped([sys.executable, str(Path(__file__).resolve().parent / "bm25.py"),
                       str(SHIPPED)], lines)
    bm25 = bm25_in_process(SHIPPED, lines)
    return {
        "p50_ms": _r(child["p50_ms"], 4), "p99_ms": _r(child["p99_ms"], 4),
        "cpu_p50_ms": _r(child["cpu_p50_ms"], 4), "cpu_p99_ms": _r(child["cpu_p99_ms"], 4),
        "floor_p50_ms": _r(child["floor_p50_ms"], 4), "load_s": _r(child["load_s"], 4),
        "rss_mb": _r(child["rss_mb"], 1), "routed_ok": _r(child["routed_ok"]),
        "questions": child["questions"],
        "cold_ask_s": _r(statistics.median(cold)), "cold_ask_runs": [_r(x) for x in cold],
        "ask_json_qps": _r(ask["qps"], 1), "ask_json_steady_qps": _r(ask["steady_qps"], 1),
        "ask_json_first_line_s": _r(ask["first_s"]), "ask_json_exit_s": _r(ask["exit_s"]),
        "bm25_qps": _r(bm25["qps"], 1), "bm25_process_qps": _r(bm25_proc["qps"], 1),
        "bm25_process_steady_qps": _r(bm25_proc["steady_qps"], 1),
        "bm25_paragraphs": int(bm25["paragraphs"]), "piped_lines": len(lines),
        "classes": child["classes"],
    }


# -- the driver -------------------------------------------------------------------------------
def plan(size: int, quick: bool) -> tuple[int, int, int]:
    """(load runs, questions, warm-up questions) for a knowledge base of ``size`` meetings."""
    if quick:
        if size >= 10000:
            return 1, 100, 10
        if size >= 1000:
            return 1, 300, 20
        return 3, 300, 30
    if size >= 10000:
        return 2, 400, 30
    if size >= 1000:
        return 3, 1000, 50
    return 5, 1000, 50


def measure_size(size: int, quick: bool, seed: int, log: Callable[[str], None]
                 ) -> dict[str, Any]:
    """Generate a knowledge base of ``size`` meetings and measure it in a child process."""
    import synth

    runs, n_questions, warmup = plan(size, quick)
    with tempfile.TemporaryDirectory(prefix=f"meetbot-bench-{size}-") as tmp:
        start = time.perf_counter()
        summary = synth.generate(tmp, size, seed)
        generated = time.perf_counter() - start
        log(f"  {size:>6} meetings: generated in {generated:.1f}s "
            f"({summary.yaml_bytes / 1e6:.1f} MB YAML in {summary.files} files, "
            f"{summary.sources} sources); measuring ({runs} load run(s), "
            f"{n_questions} questions)...")
        cache = Path(tmp) / ".engine-cache"
        first = run_child(Path(tmp), 1, 0, 0, seed, cache=cache, first=True)
        result = run_child(Path(tmp), runs, n_questions, warmup, seed, cache=cache)
        result.update(first)
    result["gen_s"] = generated
    result["yaml_mb"] = summary.yaml_bytes / 1e6
    return result


def _fmt(value: float, width: int, digits: int = 2) -> str:
    return f"{value:{width}.{digits}f}" if math.isfinite(value) else f"{'-':>{width}}"


def _loadavg() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return "/".join(f"{x:.1f}" for x in load)


def report(results: dict[int, dict[str, Any]], shipped: dict[str, Any] | None,
           elapsed: float, load_at_start: str) -> str:
    """The human-readable tables."""
    out: list[str] = []
    out.append(f"meetbot benchmark — {time.strftime('%Y-%m-%d %H:%M')}, Python "
               f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
               f"{load_at_start} at start, {_loadavg()} at end; run took {elapsed:.0f}s")
    out.append("")
    out.append(" meetings  people  aliases  YAML MB  1st_load_s  load_s  (cpu_s)  rss_mb  (base)"
               "  p50_ms  p99_ms  cpu_p99  floor_p50  p50/floor  routed_ok  typo_ok  questions")
    for size, r in results.items():
        c = r["counts"]
        ratio = r["p50_ms"] / r["floor_p50_ms"] if r["floor_p50_ms"] else float("nan")
        out.append(f" {size:>8}  {c['people']:>6}  {c['aliases']:>7}  {_fmt(r['yaml_mb'], 7)}"
                   f"  {_fmt(r.get('first_load_s', float('nan')), 10, 3)}"
                   f"  {_fmt(r['load_s'], 6, 3)}  ({_fmt(r['load_cpu_s'], 5)})"
                   f"  {_fmt(r['rss_mb'], 6, 1)}  ({_fmt(r['base_rss_mb'], 4, 0)})"
                   f"  {_fmt(r['p50_ms'], 6, 3)}  {_fmt(r['p99_ms'], 6, 2)}"
                   f"  {_fmt(r['cpu_p99_ms'], 7, 2)}  {_fmt(r['floor_p50_ms'], 9, 3)}"
                   f"  {_fmt(ratio, 8, 1)}x  {r['routed_ok']:>8.0%}  "
                   f"{_fmt(r['typo_ok'] * 100, 6, 0)}%  {r['questions']:>9}")
    sizes = list(results)
    if any(len(r["load_runs"]) > 1 for r in results.values()):
        out.append("")
        out.append(" load runs (s): " + "; ".join(
            f"{size}: {', '.join(f'{x:.3f}' for x in r['load_runs'])}"
            for size, r in results.items()))
    if len(sizes) > 1:
        out.append("")
        out.append(" growth per step (linear = the size ratio; rss without the interpreter "
                   "base):")
        for small, big in itertools.pairwise(sizes):
            a, b = results[small], results[big]

            def ratio(key: str, a: dict[str, Any] = a, b: dict[str, Any] = b) -> str:
                return f"{b[key] / a[key]:6.1f}x" if a[key] else "     -"

            mem_a = a["rss_mb"] - a["base_rss_mb"]
            mem_b = b["rss_mb"] - b["base_rss_mb"]
            mem = f"{mem_b / mem_a:6.1f}x" if mem_a > 0 else "     -"
            out.append(f"   {small:>6} -> {big:<6} ({big / small:.0f}x size): load "
                       f"{ratio('load_s')}  rss {mem}  p50 {ratio('p50_ms')}  "
                       f"p99 {ratio('p99_ms')}  floor {ratio('floor_p50_ms')}")
    columns = [(str(size), r["classes"]) for size, r in results.items()]
    if shipped:
        columns.append(("shipped", shipped["classes"]))
    if columns:
        out.append("")
        out.append(" answer latency by question class, p50 / p99 ms (share routed as "
                   "expected), by knowledge base size:")
        classes = sorted({cls for _, table in columns for cls in table})
        out.append("   " + f"{'class':<16}" + "".join(f"{label:>27}" for label, _ in columns))
        for cls in classes:
            cells = []
            for _, table in columns:
                row = table.get(cls)
                cells.append(f"{row['p50_ms']:8.2f} /{row['p99_ms']:8.2f} ({row['ok']:4.0%})"
                             if row else "-")
            out.append("   " + f"{cls:<16}" + "".join(f"{cell:>27}" for cell in cells))
    if shipped:
        s = shipped
        out.append("")
        out.append(" shipped knowledge base (knowledge/):")
        out.append(f"   answer p50 {s['p50_ms']:.3f} ms, p99 {s['p99_ms']:.3f} ms over "
                   f"{s['questions']} questions (target p99 < 1 ms; CPU time p50 "
                   f"{s['cpu_p50_ms']:.3f}, p99 {s['cpu_p99_ms']:.3f} ms); floor p50 "
                   f"{s['floor_p50_ms']:.3f} ms; routed as expected {s['routed_ok']:.0%}")
        out.append(f"   cold `python -m meetbot ask \"{COLD_QUESTION}\"`: median "
                   f"{s['cold_ask_s']:.3f} s of {s['cold_ask_runs']} (target < 0.5 s)")
        out.append(f"   `meetbot ask --json -`, {s['piped_lines']} lines: {s['ask_json_qps']:.0f}"
                   f" answers/s end to end (first answer after {s['ask_json_first_line_s']:.2f}"
                   f" s, exit {s['ask_json_exit_s']:.2f} s after the last), "
                   f"{s['ask_json_steady_qps']:.0f}/s steady")
        out.append(f"   BM25 paragraph search ({s['bm25_paragraphs']} paragraphs): "
                   f"{s['bm25_qps']:.0f} queries/s in process; as a stdin process "
                   f"{s['bm25_process_qps']:.0f}/s end to end, "
                   f"{s['bm25_process_steady_qps']:.0f}/s steady")
    return "\n".join(out)


def json_line(results: dict[int, dict[str, Any]], shipped: dict[str, Any] | None) -> str:
    """The machine-readable last line."""
    sizes = [{"meetings": size, "load_s": _r(r["load_s"]),
              "first_load_s": _r(r.get("first_load_s", float("nan"))),
              "rss_mb": _r(r["rss_mb"], 1),
              "p50_ms": _r(r["p50_ms"]), "p99_ms": _r(r["p99_ms"]),
              "floor_p50_ms": _r(r["floor_p50_ms"])} for size, r in results.items()]
    shipped_out = {k: v for k, v in (shipped or {}).items() if k != "classes"}
    return json.dumps({"sizes": sizes, "shipped": shipped_out})


def profile(target: str, seed: int, n_questions: int) -> int:
    """Print pyinstrument reports for loading and for answering one knowledge base."""
    _import_meetbot()
    from pyinstrument import Profiler

    from meetbot.answers.engine import Engine
    from meetbot.store import load

    with tempfile.TemporaryDirectory(prefix="meetbot-profile-") as tmp:
        if target == "shipped":
            directory = SHIPPED
        else:
            import synth

            directory = Path(tmp)
            synth.generate(directory, int(target), seed)
        profiler = Profiler(interval=0.001)
        profiler.start()
        kb = load(directory)
        engine = Engine(kb)
        profiler.stop()
        print(f"== load({target}) + Engine(kb)")
        print(profiler.output_text(unicode=True, color=False))
        print(f"== load({target}) + Engine(kb): top functions by own time")
        print("\n".join(profiler.output_text(unicode=True, color=False,
                                             flat=True).splitlines()[:40]))
    questions = QuestionMaker(kb, seed).take(n_questions)
    for _, question, _ in QuestionMaker(kb, seed + 1).take(30):
        engine.ask(question)
    profiler = Profiler(interval=0.0002)
    per_class: dict[str, list[float]] = {}
    profiler.start()
    for cls, question, _ in questions:
        start = time.perf_counter()
        engine.ask(question)
        per_class.setdefault(cls, []).append((time.perf_counter() - start) * 1000)
    profiler.stop()
    print(f"== answering {len(questions)} questions ({target})")
    print(profiler.output_text(unicode=True, color=False))
    print(f"== answering ({target}): top functions by own time")
    print("\n".join(profiler.output_text(unicode=True, color=False,
                                         flat=True).splitlines()[:40]))
    print("== time by class under the profiler (total ms, p50 ms, n)")
    for cls, values in sorted(per_class.items(), key=lambda kv: -sum(kv[1])):
        print(f"   {cls:<16} {sum(values):9.1f} {percentile(values, 50):8.2f} {len(values):5}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description="Benchmark meetbot (see the module docstring).")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",") if x],
                        default=list(DEFAULT_SIZES), help="comma-separated meeting counts")
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and questions (all sizes in well under a minute "
                             "once loading is fast)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--no-shipped", action="store_true",
                        help="skip the shipped knowledge base measurements")
    parser.add_argument("--profile", metavar="SIZE",
                        help="profile load and answering at SIZE meetings (or 'shipped')")
    parser.add_argument("--profile-questions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-questions", type=int, default=300, help=argparse.SUPPRESS)
    parser.add_argument("--child-warmup", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--child-prime", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result: dict[str, Any] = (
            dict(prime(args.child)) if args.child_prime
            else measure(args.child, args.child_runs, args.child_questions,
                         args.child_warmup, args.seed))
        print(json.dumps(result))
        return 0
    if args.profile:
        return profile(args.profile, args.seed, args.profile_questions)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_at_start = _loadavg()
    results: dict[int, dict[str, Any]] = {}
    log(f"meetbot benchmark: sizes {args.sizes}{' (quick)' if args.quick else ''}")
    for size in args.sizes:
        results[size] = measure_size(size, args.quick, args.seed, log)
        r = results[size]
        log(f"  {size:>6} meetings: load {r['load_s']:.3f}s, rss {r['rss_mb']:.0f} MB, "
            f"p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.2f} ms")
    shipped = None
    if not args.no_shipped:
        log("  shipped knowledge base: latency, cold start, ask --json -, BM25...")
        shipped = measure_shipped(args.quick, args.seed)
    print(report(results, shipped, time.perf_counter() - started, load_at_start))
    if args.json:
        print(json_line(results, shipped))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
