"""The dashboard's chart: readable axes and a text summary that says only what the numbers show."""

from __future__ import annotations

from datetime import date

from engage.web.charts import describe_trend, line_chart

MONTHS = [date(2025, m, 1) for m in range(12, 13)] + [date(2026, m, 1) for m in range(1, 12)]


def test_the_y_axis_steps_evenly_in_whole_numbers() -> None:
    for peak, expected in [
        (0, ["0", "1"]),
        (3, ["0", "1", "2", "3"]),
        (5, ["0", "1", "2", "3", "4", "5"]),
        (7, ["0", "2", "4", "6", "8"]),
        (66, ["0", "20", "40", "60", "80"]),
        (1234, ["0", "500", "1,000", "1,500"]),
    ]:
        chart = line_chart(MONTHS, [("Being heard", [0] * 11 + [peak])])
        labels = [t.label for t in chart.y_ticks]
        assert labels == expected, (peak, labels)
        peak_y = chart.lines[0].points[-1][1]
        assert chart.y_ticks[-1].position <= peak_y <= chart.bottom


def test_the_latest_month_is_labelled_and_anchored_inside_the_chart() -> None:
    for count in (2, 7, 12, 25):
        months = MONTHS[:count] if count <= 12 else [date(2024 + m // 12, m % 12 + 1, 1) for m in range(count)]
        chart = line_chart(months, [("Being heard", [1] * count)])
        last = chart.x_ticks[-1]
        assert last.label == months[-1].strftime("%b %y") and last.anchor == "end"
        assert len(chart.x_ticks) <= 9


def test_months_before_the_first_contribution_are_not_a_rise() -> None:
    # Nothing until September, then a steady 22 a month: no theme rose.
    steady = [0] * 9 + [22, 22, 22]
    text = describe_trend(MONTHS, [("Being heard", steady), ("Feeling safe", [0] * 9 + [1, 1, 1])])
    assert "66 contributions" in text and "rose" not in text
    rising = [0] * 6 + [2, 2, 2, 10, 10, 10]
    text = describe_trend(MONTHS, [("Being heard", rising)])
    assert "rose most: 24 more in the last 3 months than in the 3 before" in text
    assert "counting from June 2026" in text


def test_one_contribution_is_singular() -> None:
    assert "(1 contribution)." in describe_trend(MONTHS, [("Being heard", [0] * 11 + [1])])
    assert describe_trend(MONTHS, [("Being heard", [0] * 12)]) == "No contributions were tagged in this period."
