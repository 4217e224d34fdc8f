"""Command-line edge to `nlp/` (like web/ and workers/, an adapter): JSON Lines in, JSON Lines out, errors by line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import msgspec

from nlp.cues import english_pipeline
from nlp.frameworks import load_framework
from nlp.model import Score, ThemeModel, default_model_dir
from nlp.redact import redact
from nlp.tagger import Tagger, TagResult
from nlp.training import evaluate, read_examples, shipped_labelled_examples, train_model


class TextLine(msgspec.Struct, forbid_unknown_fields=False):
    id: str | int
    text: str


def redact_lines(source: IO[bytes], out: IO[str], err: IO[str]) -> int:
    """Redact each line's text. A bad line is reported on stderr with its number; the rest still go through.
    Returns 0, or 2 when any line was bad."""
    decoder = msgspec.json.Decoder(TextLine)
    encoder = msgspec.json.Encoder()
    bad = 0
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            line = decoder.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            bad += 1
            err.write(f"line {number}: {exc}\n")
            continue
        result = redact(line.text)
        record: dict[str, Any] = {"id": line.id, "text": result.text, "replaced": result.replaced}
        out.write(encoder.encode(record).decode() + "\n")
    return 2 if bad else 0


class TagLine(msgspec.Struct, forbid_unknown_fields=False):
    id: str | int
    text: str


MAX_TAG_TEXT = 100_000


def _result_record(line_id: str | int, result: TagResult) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": line_id,
        "themes": result.themes,
        "scores": result.scores,
        "evidence": result.evidence,
        "parents": result.parents,
        "sentiment": result.sentiment,
        "language": result.language,
        "needs_translation": result.needs_translation,
        "safeguarding": result.safeguarding,
        "safeguarding_kinds": result.safeguarding_kinds,
        "risk": result.risk,
        "model": result.model,
    }
    if len(result.frameworks) > 1:
        record["frameworks"] = result.frameworks
    return record


def tag_lines(tagger: Tagger, source: IO[bytes], out: IO[str], err: IO[str], *, batch_size: int = 512) -> int:
    """Tag lines {"id", "text"} in batches, in order. A bad line (not JSON, no text, empty, binary, longer than
    100,000 characters) is named on stderr with its number and the rest still go through; exit 2 if any was bad."""
    decoder = msgspec.json.Decoder(TagLine)
    encoder = msgspec.json.Encoder()
    bad = 0
    pending: list[TagLine] = []

    def flush() -> None:
        for line, result in zip(pending, tagger.tag([line.text for line in pending]), strict=True):
            out.write(encoder.encode(_result_record(line.id, result)).decode() + "\n")
        pending.clear()

    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        problem = None
        try:
            line = decoder.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            problem = str(exc)
        else:
            if not line.text.strip():
                problem = "text is empty"
            elif len(line.text) > MAX_TAG_TEXT:
                problem = f"text is {len(line.text):,} characters; the limit is {MAX_TAG_TEXT:,}"
            elif _looks_binary(line.text):
                problem = "text looks like binary data, not writing"
        if problem:
            bad += 1
            err.write(f"line {number}: {problem}\n")
            continue
        pending.append(line)
        if len(pending) >= batch_size:
            flush()
    flush()
    return 2 if bad else 0


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r") or ch == "\ufffd")
    return control > max(2, len(sample) // 50)


def train_command(
    framework_path: Path, train_paths: list[Path], dev_path: Path | None, out_dir: Path, out: IO[str]
) -> int:
    """Train on every `--train` file (lines not labelled for this framework still teach sentiment and
    safeguarding), score `--dev` if given, save to `out_dir`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    framework = load_framework(framework_path)
    examples = [example for path in train_paths for example in read_examples(path, framework)]
    dev = read_examples(dev_path, framework) if dev_path else None
    nlp = english_pipeline()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=False
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        model = train_model(
            framework,
            examples,
            nlp=nlp,
            labelled=shipped_labelled_examples(framework),
            dev=dev,
            progress=progress,
        )
    model.save(out_dir)
    out.write(f"Trained {model.version} on {len(examples):,} examples; saved to {out_dir}\n")
    if model.card.dev:
        out.write(format_score(model.card.dev))
    return 0


def evaluate_command(
    model_dir: Path, test_paths: list[Path], out: IO[str], *, as_json: bool = False, also: Sequence[str] = ()
) -> int:
    """Score the model on each test file (the development and held-out splits, say), one report per file; with
    --json, one JSON object keyed by file name. `also`: more models (a directory, or a shipped framework's id)
    tagged in the same pass, as the worker tags with ENGAGE_ALSO_FRAMEWORKS: a framework of the model's themes'
    sub-themes among them changes its themes (see `nlp.tagger.Tagger`)."""
    model = ThemeModel.load(model_dir)
    others = [ThemeModel.load(Path(other) if Path(other).is_dir() else default_model_dir(other)) for other in also]
    others = [other for other in others if other.framework.id != model.framework.id]
    nlp = english_pipeline()
    scores = {
        str(path): evaluate(model, read_examples(path, model.framework), nlp=nlp, also=others) for path in test_paths
    }
    if as_json:
        if len(scores) == 1:
            out.write(msgspec.json.encode(next(iter(scores.values()))).decode() + "\n")
        else:
            out.write(msgspec.json.encode(scores).decode() + "\n")
        return 0
    for path, score in scores.items():
        if len(scores) > 1:
            out.write(f"== {path}\n")
        out.write(format_score(score))
    return 0


def format_score(score: Score) -> str:
    lines = [
        f"{score.examples:,} examples: micro-F1 {score.micro_f1:.3f}, macro-F1 {score.macro_f1:.3f}",
        f"{'theme':<32} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}",
    ]
    for theme, row in score.per_theme.items():
        figures = f"{row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {int(row['support']):>8}"
        lines.append(f"{theme[:32]:<32} {figures}")
    if score.sentiment_accuracy is not None:
        lines.append(f"sentiment accuracy {score.sentiment_accuracy:.3f}")
    if score.safeguarding_recall is not None:
        lines.append(
            f"safeguarding recall {score.safeguarding_recall:.3f}, precision {score.safeguarding_precision or 0:.3f}, "
            f"false alarms {score.safeguarding_false_alarms or 0:.3f} of texts not at risk"
        )
    if score.safeguarding_kinds:
        lines.append(f"{'safeguarding kind':<32} {'flagged':>9} {'named':>7} {'support':>8}")
        for kind, row in score.safeguarding_kinds.items():
            lines.append(f"{kind:<32} {row['recall']:>9.3f} {row['named']:>7.3f} {int(row['support']):>8}")
    return "\n".join(lines) + "\n"
