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


class LineChart(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int
    bottom: float
    right: float


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def line_chart(months: Sequence[date], series: Sequence[tuple[str, Sequence[int]]]) -> LineChart:
    top_value = _nice_max(max((max(counts, default=0) for _, counts in series), default=0))
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
    every = max(1, len(months) // 8)
    x_ticks = [Tick(position=x(i), label=m.strftime("%b %y")) for i, m in enumerate(months) if i % every == 0]
    y_ticks = [Tick(position=y(top_value * k // 4), label=f"{top_value * k // 4:,}") for k in range(5)]
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
    """The chart in one or two sentences, for its text alternative."""
    if not months or not any(sum(counts) for _, counts in series):
        return "No contributions were tagged in this period."
    totals = sorted(((sum(counts), name) for name, counts in series), reverse=True)
    half = len(months) // 2
    changes = [(sum(counts[half:]) - sum(counts[:half]), name) for name, counts in series if len(counts) > 1]
    rising = max(changes) if changes else None
    first, last = months[0].strftime("%B %Y"), months[-1].strftime("%B %Y")
    text = f"From {first} to {last}, the most mentioned theme was {totals[0][1]} ({totals[0][0]:,} contributions)."
    if rising and rising[0] > 0:
        text += f" {rising[1]} rose most between the first and second half of the period (+{rising[0]:,})."
    return text
