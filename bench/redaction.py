"""Redaction on the held-out set: identifiers removed (by kind), words kept, false redactions, texts per second.

Run by hand: `.venv/bin/python bench/redaction.py` (held-out test set, a few seconds). `--set tune` scores the
tuning set instead and `--show` lists every miss, lost word and false redaction (use that on the tuning set only:
reading the held-out misses and changing the redactor for them would make the held-out figures meaningless).

The same person wrote the test texts and first_names_engage.txt, so the names in one tend to be in the other.
The ablation lines say what the redactor does without that list (Faker's names only, written by others) and
with no name list at all (context alone): the fairer estimate for names nobody thought of.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nlp.redact  # noqa: E402
from nlp.redact import REDACTOR_VERSION, find, redact  # noqa: E402
from nlp.redact_eval import Labelled, evaluate, load  # noqa: E402


def speed(texts: list[str], seconds: float = 2.0, runs: int = 3) -> list[float]:
    """Texts per second through `redact` on one core, `runs` times, sorted; after a warm-up (the lists load on
    first use, in about 0.1 s)."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    for text in texts:
        redact(text)
    rates = []
    for _ in range(runs):
        done = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            for text in texts:
                redact(text)
            done += len(texts)
        rates.append(done / (time.perf_counter() - started))
    return sorted(rates)


def names_recall_with(texts: list[Labelled], names: frozenset[str]) -> tuple[int, int]:
    """Names removed with another first-name list (the private lexicon swapped for the run, then restored)."""
    lexicon = nlp.redact._lexicon()
    nlp.redact._lexicon = lambda: lexicon._replace(names=names)  # type: ignore[assignment]
    nlp.redact._word.cache_clear()
    try:
        return evaluate(texts, find).identifiers["name"]
    finally:
        nlp.redact._lexicon = lambda: lexicon  # type: ignore[assignment]
        nlp.redact._word.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default="test", choices=["test", "tune"])
    parser.add_argument("--show", action="store_true", help="list misses, lost words and false redactions")
    args = parser.parse_args()
    texts = load(args.set)
    scores = evaluate(texts, find)
    words = sum(len(t.text.split()) for t in texts)
    print(f"redactor version {REDACTOR_VERSION}, {args.set} set: {scores.texts} texts, {words:,} words")
    print(f"identifiers removed: {scores.removed_share:.1%}")
    for kind, (removed, total) in scores.identifiers.items():
        print(f"  {kind:9} {removed:4} / {total:<4} {removed / total if total else 1:.1%}")
    print(f"words kept: {scores.kept_share:.1%}")
    for kind, (kept, total) in scores.keep.items():
        print(f"  {kind:9} {kept:4} / {total:<4} {kept / total if total else 1:.1%}")
    print(
        f"false redactions (replaced spans touching no identifier): {scores.false_redactions} "
        f"({scores.false_redactions / scores.texts:.2f} a text)"
    )
    if args.show:
        for title, misses in (("missed", scores.missed), ("lost", scores.lost), ("false", scores.false)):
            print(f"\n{title}:")
            for miss in misses:
                print(f"  {miss.id} {miss.kind:8} {miss.value!r:28} {miss.context}")
    faker = frozenset(
        nlp.redact._key(w) for w in nlp.redact._read_words(nlp.redact.LISTS_DIR / "first_names_faker.txt", True)
    )
    for label, names in (("Faker's first names only", faker), ("no first-name list", frozenset[str]())):
        removed, total = names_recall_with(texts, names)
        print(f"ablation, {label}: names removed {removed} / {total} {removed / total:.1%}")
    rates = speed([t.text for t in texts])
    median = rates[len(rates) // 2]
    print(
        f"speed, one core: median {median:,.0f} texts/s ({median * words / len(texts):,.0f} words/s), "
        f"min {rates[0]:,.0f}, max {rates[-1]:,.0f}"
    )


if __name__ == "__main__":
    main()
