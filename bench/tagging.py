"""Tagging benchmarks: the figures issue 3 asks for, measured in one run on this machine.

1. Tagger throughput on one core: 60-word texts through `Tagger.tag` (spaCy `nlp.pipe`, model, cues, language,
   safeguarding and its kinds), the process pinned to one CPU with one BLAS thread; with the default framework
   alone and with all four shipped frameworks in one pass. Also spaCy's tokenizer alone on the same texts, in the
   same run, as the floor no tagger built on it can pass (the machine is shared: the ratio is steadier than the
   rate). Rates are wall-clock; CPU-time rates are printed too, since other processes take turns on the core.
2. Commit to stored tags with one worker process: `engage run` (embedded PostgreSQL and Valkey, one web and one
   worker process), N contributions committed in one transaction, timed until every one has its analysis row.
   Also the worker's peak resident memory (VmHWM).
3. Training time for 6,000 examples and 42 themes through `engage nlp train` (both cores).

Run by hand: `.venv/bin/python bench/tagging.py` (about three minutes). BENCH_TEXTS (10000), BENCH_PIPELINE (5000).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import asyncio
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = int(os.environ.get("BENCH_TEXTS", "10000"))
PIPELINE = int(os.environ.get("BENCH_PIPELINE", "5000"))
CORPUS = ROOT / "nlp" / "data" / "lambeth-what-matters" / "train.jsonl"


def corpus_texts() -> list[str]:
    return [json.loads(line)["text"] for line in CORPUS.read_text().splitlines()]


def sixty_word_texts(count: int, seed: int = 1) -> list[str]:
    """Natural sentences from the corpus, joined and cut to exactly 60 words."""
    rng = random.Random(seed)
    source = corpus_texts()
    texts = []
    for _ in range(count):
        words: list[str] = []
        while len(words) < 60:
            words += rng.choice(source).split()
        texts.append(" ".join(words[:60]))
    return texts


def _rate(tag: object, texts: list[str]) -> tuple[list[float], list[float]]:
    """Three runs of `tag` over the texts in batches of 1,000: wall-clock and CPU-time rates, each sorted."""
    walls, cpus = [], []
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(texts), 1000):
            tag(texts[start : start + 1000])  # type: ignore[operator]
        walls.append(len(texts) / (time.perf_counter() - started))
        cpus.append(len(texts) / (time.process_time() - cpu))
    return sorted(walls), sorted(cpus)


def bench_tagger() -> None:
    from nlp.frameworks import DEFAULT_FRAMEWORK, builtin_frameworks
    from nlp.tagger import Tagger

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    tagger = Tagger.load()
    others = [framework for framework in builtin_frameworks() if framework != DEFAULT_FRAMEWORK]
    every = Tagger.load(also=others)
    texts = sixty_word_texts(TEXTS)
    tagger.tag(texts[:500])
    every.tag(texts[:500])
    floor_wall, floor_cpu = _rate(lambda batch: list(tagger.nlp.pipe(batch, batch_size=256)), texts)
    one_wall, one_cpu = _rate(tagger.tag, texts)
    all_wall, all_cpu = _rate(every.tag, texts)
    print(
        f"1. tagger, one core, {len(texts):,} texts of 60 words, 3 runs each, median (min-max):\n"
        f"   {DEFAULT_FRAMEWORK}: {one_wall[1]:,.0f} texts/s ({one_wall[0]:,.0f}-{one_wall[2]:,.0f}); "
        f"CPU time {one_cpu[1]:,.0f}/s\n"
        f"   all {1 + len(others)} frameworks in one pass: {all_wall[1]:,.0f} texts/s "
        f"({all_wall[0]:,.0f}-{all_wall[2]:,.0f}); CPU time {all_cpu[1]:,.0f}/s\n"
        f"   spaCy tokenizer and lemmas alone: {floor_wall[1]:,.0f} texts/s; CPU time {floor_cpu[1]:,.0f}/s; "
        f"the tagger runs at {one_cpu[1] / floor_cpu[1]:.2f} of it (all frameworks: {all_cpu[1] / floor_cpu[1]:.2f})"
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def worker_pid(parent: int) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in cmdline and b"engage" in b" ".join(cmdline):
            status = (entry / "status").read_text()
            ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
            if ppid == parent:
                return int(entry.name)
    raise SystemExit("no worker process found")


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


async def commit_and_wait(dsn: str, texts: list[str]) -> tuple[float, float, float]:
    import asyncpg

    from engage.contributions import queries
    from engage.contributions.models import Consent, Submission
    from engage.ids import new_reference, uuid7
    from engage.outbox.models import CONTRIBUTION_RECEIVED

    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            for text in texts:
                submission = Submission(kind="i_statement", text=text, consent=Consent(analysis=True), source="import")
                await queries.insert_contribution(conn, uuid7(), new_reference(), submission, CONTRIBUTION_RECEIVED)
        committed = time.perf_counter()
        committed_at = await conn.fetchval("SELECT clock_timestamp()")
        while True:
            waiting = await conn.fetchval(
                """SELECT count(*) FROM contributions c
                   WHERE NOT EXISTS (SELECT 1 FROM contribution_analyses a WHERE a.contribution_id = c.id)"""
            )
            if not waiting:
                break
            await asyncio.sleep(0.05)
        done = time.perf_counter()
        latencies = await conn.fetchrow(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM analysed_at - $1)) AS p50,
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM analysed_at - $1)) AS p95
               FROM contribution_analyses WHERE analysed_at >= $1""",
            committed_at,
        )
    finally:
        await conn.close()
    return done - committed, float(latencies["p50"]), float(latencies["p95"])


def bench_pipeline() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "ENGAGE_DATA_DIR": str(data_dir),
        "ENGAGE_PORT": str(port),
        "ENGAGE_DEMO_DATA": "false",
        "ENGAGE_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "engage", "run"], env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        time.sleep(3)  # the worker loads its tagger after the web answers
        dsn = f"postgresql://postgres:@/postgres?host={data_dir / 'postgres'}"
        texts = sixty_word_texts(PIPELINE, seed=2)
        asyncio.run(commit_and_wait(dsn, texts[:50]))  # warm-up
        elapsed, p50, p95 = asyncio.run(commit_and_wait(dsn, texts[50:]))
        count = len(texts) - 50
        rss = peak_rss_mb(worker_pid(process.pid))
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(
        f"2. commit -> stored tags, one worker process: {count:,} contributions in {elapsed:.1f} s = "
        f"{count / elapsed:,.0f}/s; commit -> tagged p50 {p50:.2f} s, p95 {p95:.2f} s"
    )
    print(f"   worker peak resident memory (VmHWM): {rss:.0f} MB")


def bench_training() -> None:
    """6,000 examples, 42 themes: corpus texts combined in ones, twos and threes; each theme is a set of ten
    words (a text has the theme when it uses one), which gives the skewed, overlapping labels of coded data."""
    rng = random.Random(3)
    source = corpus_texts()
    vocabulary = sorted({word.lower().strip(".,!?") for text in source for word in text.split() if len(word) > 4})
    rng.shuffle(vocabulary)
    themes = {f"theme-{i:02d}": set(vocabulary[i * 10 : i * 10 + 10]) for i in range(42)}
    work = Path(tempfile.mkdtemp(prefix="engage-train-bench-"))
    framework = {"id": "bench-42", "name": "Forty-two themes", "themes": [{"id": t, "name": t} for t in themes]}
    (work / "framework.json").write_text(json.dumps(framework))
    with (work / "train.jsonl").open("w") as handle:
        for _ in range(6000):
            text = " ".join(rng.sample(source, rng.choice((1, 2, 3))))
            words = {word.lower().strip(".,!?") for word in text.split()}
            labels = [theme for theme, cues in themes.items() if words & cues]
            handle.write(json.dumps({"text": text, "themes": labels}) + "\n")
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engage",
            "nlp",
            "train",
            "--framework",
            str(work / "framework.json"),
            "--train",
            str(work / "train.jsonl"),
            "--out",
            str(work / "model"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    if result.returncode:
        raise SystemExit(result.stderr)
    print(f"3. engage nlp train, 6,000 examples x 42 themes, {len(os.sched_getaffinity(0))} cores: {elapsed:.0f} s")


if __name__ == "__main__":
    which = sys.argv[1:] or ["tagger", "pipeline", "training"]
    if "training" in which:
        bench_training()
    if "pipeline" in which:
        bench_pipeline()
    if "tagger" in which:
        bench_tagger()  # last: it pins this process to one core
