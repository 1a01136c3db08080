"""The yardstick for ``meetbot ask --json -``: a plain BM25 paragraph search (rank_bm25).

``python benchmarks/bm25.py KNOWLEDGE_DIR`` reads one question per stdin line and prints one
JSON line with the best-scoring paragraph of the knowledge base's source texts. It is kept
this small so that, like ``meetbot``, it starts with nothing but what it needs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def paragraphs(directory: Path) -> list[str]:
    """The source texts' paragraphs (blank-line separated), whitespace collapsed."""
    out: list[str] = []
    for path in sorted((directory / "sources").glob("*.txt")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            if block.strip():
                out.append(" ".join(block.split()))
    return out


def tokens(text: str) -> list[str]:
    """Lower-cased words."""
    return re.findall(r"\w+", text.lower())


def serve(directory: Path) -> int:
    """Answer stdin lines with the best paragraph, one JSON line each."""
    from rank_bm25 import BM25Okapi

    found = paragraphs(directory)
    index = BM25Okapi([tokens(p) for p in found])
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        scores = index.get_scores(tokens(question))
        best = int(scores.argmax())
        sys.stdout.write(json.dumps({"question": question, "paragraph": found[best],
                                     "score": round(float(scores[best]), 3)}) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(serve(Path(sys.argv[1])))
