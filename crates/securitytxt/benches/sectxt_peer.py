"""Peer benchmark: DIVD's sectxt 0.9.8 over the same corpus, bytes already in memory.

Run by benches/compare.sh (which makes a virtual environment with `sectxt==0.9.8`), or:
    python benches/sectxt_peer.py tests/data/corpus [ROUNDS]
Prints `files_per_second=<float>` (best round) and the number of valid files.
"""

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import sectxt

PINNED = datetime(2026, 11, 22, tzinfo=timezone.utc)


class _PinnedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return PINNED if tz is not None else PINNED.replace(tzinfo=None)


sectxt.datetime = _PinnedDatetime


def main() -> None:
    corpus = Path(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    files = [p.read_bytes() for p in sorted(corpus.glob("*.txt"))]
    valid = sum(1 for f in files if sectxt.Parser(f, is_local=True).is_valid())
    # Best round, as the Rust side reports its best batch: both resist a busy machine.
    best = float("inf")
    total = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for f in files:
            sectxt.Parser(f, is_local=True).is_valid()
        elapsed = time.perf_counter() - start
        total += elapsed
        best = min(best, elapsed)
    print(f"files={len(files)} rounds={rounds} valid={valid} mean_files_per_second={len(files) * rounds / total:.1f}")
    print(f"files_per_second={len(files) / best:.1f}")


if __name__ == "__main__":
    main()
