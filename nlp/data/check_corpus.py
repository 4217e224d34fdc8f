"""Check a labelled corpus file line by line, then print what it holds (per theme, voice, sentiment and kind).

    python3 nlp/data/check_corpus.py nlp/data/lambeth-what-matters/heldout.jsonl [more files]
    python3 nlp/data/check_corpus.py --partial some-training-file.jsonl

Standard library only, so it runs without the project's virtual environment; tests call `check_file` and assert
that `report.problems` is empty. A line is one JSON object:

    {"text", "themes": [ids of the corpus's framework], "sentiment": "negative|positive|mixed|neutral",
     "safeguarding": bool, "safeguarding_kinds": [kinds], "voice": "...",
     "frameworks": {"other-framework-id": [its theme ids], ...}}

The corpus's framework is the name of the folder the file is in (`lambeth-what-matters/heldout.jsonl`), unless
`--framework` says otherwise. Every field is required unless `--partial` is given (then only `text` is, and the
fields present are checked). `safeguarding` must be true exactly when `safeguarding_kinds` is non-empty, and a line
at risk must carry the framework's `safe` theme when it has one. A framework whose themes name a `parent` (a
sub-theme framework) must agree with the top-level themes: a parent theme is given exactly when one of its
sub-themes is. The same text twice, in one file or across the files given, is a problem:
a held-out text that is also a training text no longer tests anything.

Exit status 0 when every line is good, 1 otherwise (each problem is printed with its file and line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "frameworks"
SENTIMENTS = ("negative", "positive", "mixed", "neutral")
# The ten kinds of abuse and neglect of the Care Act 2014 statutory guidance (14.17), plus risk to life.
KINDS = (
    "physical",
    "domestic",
    "sexual",
    "psychological",
    "financial",
    "modern_slavery",
    "discriminatory",
    "organisational",
    "neglect",
    "self_neglect",
    "risk_to_life",
)
SAFE_THEME = "safe"
"""A framework with a theme of this id (lambeth-what-matters) must give it to every line at risk."""
FIELDS = ("text", "themes", "sentiment", "safeguarding", "safeguarding_kinds", "voice", "frameworks")


@dataclass(frozen=True)
class Framework:
    id: str
    theme_ids: tuple[str, ...]
    parents: dict[str, str]
    """Sub-theme id to its parent theme's id; empty for a framework without sub-themes."""


@dataclass
class Report:
    source: str
    lines: int = 0
    problems: list[str] = field(default_factory=list)
    themes: Counter[str] = field(default_factory=Counter)
    theme_counts: Counter[int] = field(default_factory=Counter)
    """How many texts carry 0, 1, 2... themes."""
    sentiments: Counter[str] = field(default_factory=Counter)
    voices: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    at_risk: int = 0
    frameworks: dict[str, Counter[str]] = field(default_factory=dict)
    texts: dict[str, int] = field(default_factory=dict)
    """Normalised text to its line number, for finding the same text twice."""


def load_frameworks(directories: Iterable[Path] = (FRAMEWORK_DIR,), files: Iterable[Path] = ()) -> dict[str, Framework]:
    paths = [path for directory in directories for path in sorted(directory.glob("*.json"))] + list(files)
    frameworks: dict[str, Framework] = {}
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        themes = data["themes"]
        parents = {theme["id"]: theme["parent"] for theme in themes if theme.get("parent")}
        frameworks[data["id"]] = Framework(data["id"], tuple(theme["id"] for theme in themes), parents)
    return frameworks


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _id_list(value: object, known: Sequence[str], what: str, problem: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problem.append(f"{what} must be a list of strings")
        return []
    unknown = [item for item in value if item not in known]
    if unknown:
        problem.append(f"{what}: unknown id {unknown[0]!r} (known: {', '.join(known)})")
    if len(set(value)) != len(value):
        problem.append(f"{what}: an id is repeated")
    return [item for item in value if item in known]


def check_line(
    record: Mapping[str, object], *, main: Framework, frameworks: dict[str, Framework], partial: bool
) -> list[str]:
    """The problems of one decoded line (empty when it is good)."""
    problems: list[str] = []
    if not partial:
        missing = [name for name in FIELDS if name not in record]
        if missing:
            problems.append(f"missing {', '.join(missing)}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text must be a non-empty string")
    themes = _id_list(record.get("themes", []), main.theme_ids, f"themes of {main.id}", problems)
    if "sentiment" in record and record["sentiment"] not in SENTIMENTS:
        problems.append(f"sentiment must be one of {', '.join(SENTIMENTS)}")
    if "voice" in record and (not isinstance(record["voice"], str) or not record["voice"].strip()):
        problems.append("voice must be a non-empty string")
    flagged = record.get("safeguarding")
    if "safeguarding" in record and not isinstance(flagged, bool):
        problems.append("safeguarding must be true or false")
    if "safeguarding_kinds" in record:
        kinds = _id_list(record["safeguarding_kinds"], KINDS, "safeguarding_kinds", problems)
        if isinstance(flagged, bool) and flagged != bool(kinds):
            problems.append("safeguarding must be true exactly when safeguarding_kinds is non-empty")
    if flagged is True and SAFE_THEME in main.theme_ids and SAFE_THEME not in themes:
        problems.append(f"a safeguarding concern without the {SAFE_THEME!r} theme")
    labelled = record.get("frameworks", {})
    if not isinstance(labelled, dict):
        return [*problems, "frameworks must be an object of framework id to theme ids"]
    for framework_id, ids in labelled.items():
        framework = frameworks.get(framework_id)
        if framework is None or framework_id == main.id:
            problems.append(f"frameworks: {framework_id!r} is not a framework other than {main.id!r}")
            continue
        given = _id_list(ids, framework.theme_ids, f"frameworks.{framework_id}", problems)
        if framework.parents and set(framework.parents.values()) <= set(main.theme_ids):
            implied = {framework.parents[sub] for sub in given if sub in framework.parents}
            if implied != set(themes):
                problems.append(
                    f"frameworks.{framework_id}: its sub-themes imply {sorted(implied)} but themes are {sorted(themes)}"
                )
    return problems


def check_lines(
    lines: Iterable[str], *, main: Framework, frameworks: dict[str, Framework], source: str, partial: bool = False
) -> Report:
    report = Report(source)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        report.lines += 1
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.problems.append(f"{source}:{number}: not JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            report.problems.append(f"{source}:{number}: not a JSON object")
            continue
        report.problems.extend(
            f"{source}:{number}: {problem}"
            for problem in check_line(record, main=main, frameworks=frameworks, partial=partial)
        )
        text = record.get("text")
        if isinstance(text, str):
            key = _normalised(text)
            if key in report.texts:
                report.problems.append(f"{source}:{number}: the same text as line {report.texts[key]}")
            report.texts.setdefault(key, number)
        _count(report, record)
    return report


def _count(report: Report, record: dict[str, object]) -> None:
    themes = record.get("themes")
    if isinstance(themes, list):
        report.themes.update(str(theme) for theme in themes)
        report.theme_counts[len(themes)] += 1
    report.sentiments[str(record.get("sentiment", "(none)"))] += 1
    report.voices[str(record.get("voice", "(none)"))] += 1
    kinds = record.get("safeguarding_kinds")
    if isinstance(kinds, list):
        report.kinds.update(str(kind) for kind in kinds)
    if record.get("safeguarding") is True:
        report.at_risk += 1
    labelled = record.get("frameworks")
    if isinstance(labelled, dict):
        for framework_id, ids in labelled.items():
            if isinstance(ids, list):
                report.frameworks.setdefault(str(framework_id), Counter()).update(str(i) for i in ids)


def check_file(
    path: Path,
    *,
    framework_id: str | None = None,
    frameworks: dict[str, Framework] | None = None,
    partial: bool = False,
) -> Report:
    """Check one corpus file; its framework is the name of its folder unless framework_id is given."""
    frameworks = load_frameworks() if frameworks is None else frameworks
    framework_id = framework_id or path.resolve().parent.name
    if framework_id not in frameworks:
        report = Report(str(path))
        report.problems.append(f"{path}: no framework {framework_id!r} (known: {', '.join(sorted(frameworks))})")
        return report
    with path.open(encoding="utf-8") as lines:
        main = frameworks[framework_id]
        return check_lines(lines, main=main, frameworks=frameworks, source=str(path), partial=partial)


def shared_texts(reports: Sequence[Report]) -> list[str]:
    """Problems for every text found in more than one of the reports' files."""
    problems: list[str] = []
    for index, report in enumerate(reports):
        for other in reports[index + 1 :]:
            for text in report.texts.keys() & other.texts.keys():
                problems.append(
                    f"{report.source}:{report.texts[text]} and {other.source}:{other.texts[text]}: the same text"
                )
    return problems


def _table(title: str, counts: Counter[str], order: Sequence[str] = ()) -> str:
    names = [name for name in order if name in counts] + sorted(set(counts) - set(order))
    width = max((len(name) for name in names), default=0)
    rows = "\n".join(f"  {name:<{width}}  {counts[name]:>5}" for name in names)
    return f"{title}\n{rows}" if rows else f"{title}\n  (none)"


def summary(report: Report, frameworks: dict[str, Framework]) -> str:
    parts = [
        f"{report.source}: {report.lines} lines, {report.at_risk} at risk, {len(report.problems)} problems",
        _table("themes", report.themes),
        _table("themes per text", Counter({str(k): v for k, v in sorted(report.theme_counts.items())})),
        _table("sentiment", report.sentiments, SENTIMENTS),
        _table("voice", report.voices),
        _table("safeguarding kinds", report.kinds, KINDS),
    ]
    for framework_id, counts in sorted(report.frameworks.items()):
        order = frameworks[framework_id].theme_ids if framework_id in frameworks else ()
        parts.append(_table(f"framework {framework_id}", counts, order))
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check labelled corpus files and count their labels.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--framework", help="the corpus's framework id (default: the name of the file's folder)")
    parser.add_argument(
        "--framework-file", action="append", type=Path, default=[], help="a framework JSON not among the shipped"
    )
    parser.add_argument("--partial", action="store_true", help="only text is required; present fields are checked")
    parser.add_argument("--quiet", action="store_true", help="print problems only, no counts")
    args = parser.parse_args(argv)
    frameworks = load_frameworks(files=args.framework_file)
    reports = [
        check_file(path, framework_id=args.framework, frameworks=frameworks, partial=args.partial)
        for path in args.files
    ]
    problems = [problem for report in reports for problem in report.problems] + shared_texts(reports)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not args.quiet:
        print("\n\n".join(summary(report, frameworks) for report in reports))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
