"""Server-drawn SVG charts: no JavaScript, readable without colour (each line has its own dash pattern and marker
shape), and always shown with a text summary and the numbers in a table next to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec

# Okabe and Ito's palette: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "12 2 2 2")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond")

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


class Line(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    colour: str
    dash: str
    marker: str
    points: list[tuple[float, float]]

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    position: float
    label: str
    anchor: str = "middle"
    """SVG text-anchor."""


class LineChart(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int
    bottom: float
    right: float


def _nice_scale(value: int) -> tuple[int, int]:
    """A top and a whole-number step (1, 2 or 5 times a power of ten) giving at most five steps above zero, so the
    axis reads 0, 2, 4, 6, 8 rather than 0, 1, 2, 3, 5."""
    value = max(value, 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            steps = -(-value // step)
            if steps <= 5:
                return step * max(steps, 1), step
        magnitude *= 10


def line_chart(months: Sequence[date], series: Sequence[tuple[str, Sequence[int]]]) -> LineChart:
    top_value, y_step = _nice_scale(max((max(counts, default=0) for _, counts in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(months) - 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top_value

    lines = [
        Line(
            name=name,
            colour=COLOURS[i % len(COLOURS)],
            dash=DASHES[i % len(DASHES)],
            marker=MARKERS[i % len(MARKERS)],
            points=[(x(j), y(v)) for j, v in enumerate(counts)],
        )
        for i, (name, counts) in enumerate(series)
    ]
    every = max(1, -(-len(months) // 8))
    # Count back from the last month so the latest is always labelled; it sits at the right edge, so it is anchored
    # at its end rather than its middle, which would cut it off.
    x_ticks = [
        Tick(
            position=x(i),
            label=m.strftime("%b %y"),
            anchor="end" if i == len(months) - 1 and i > 0 else "middle",
        )
        for i, m in enumerate(months)
        if (len(months) - 1 - i) % every == 0
    ]
    y_ticks = [Tick(position=y(value), label=f"{value:,}") for value in range(0, top_value + 1, y_step)]
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        left=LEFT,
        bottom=TOP + plot_h,
        right=WIDTH - RIGHT,
    )


def describe_trend(months: Sequence[date], series: Sequence[tuple[str, Sequence[int]]]) -> str:
    """The chart in one or two sentences, for its text alternative. A rise compares the two halves of the months
    that have any contributions: months before the first contribution are not a fall to rise from."""
    if not months or not any(sum(counts) for _, counts in series):
        return "No contributions were tagged in this period."
    totals = sorted(((sum(counts), name) for name, counts in series), reverse=True)
    first, last = months[0].strftime("%B %Y"), months[-1].strftime("%B %Y")
    top = totals[0]
    text = f"From {first} to {last}, the most mentioned theme was {top[1]} ({top[0]:,} contribution{plural(top[0])})."
    start = min(next(i for i, v in enumerate(counts) if v) for _, counts in series if sum(counts))
    span = len(months) - start
    if span >= 4:
        half = start + span // 2
        changes = [(sum(counts[half:]) - sum(counts[start:half]), name) for name, counts in series]
        rising = max(changes)
        if rising[0] > 0:
            since = months[start].strftime("%B %Y")
            text += (
                f" {rising[1]} rose most: {rising[0]:,} more in the last {len(months) - half} months than in the"
                f" {half - start} before{f' (counting from {since}, the first month with any)' if start else ''}."
            )
    return text


def plural(count: int) -> str:
    return "" if count == 1 else "s"
