"""The borough's population, to set "who we heard from" against.

Shares are Lambeth's, from the 2021 Census (ONS tables TS007A age, TS021 ethnic group, TS038 disability and
TS039 unpaid care), rounded to whole per cent and grouped into the answer options of Engage's equality
questions (``engage.contributions.models.EQUALITY_CHOICES``). Check them against the ONS release before quoting
them elsewhere; another borough replaces this table.
"""

from __future__ import annotations

SUPPRESS_BELOW = 10
"""Equality-monitoring groups (age band, ethnic group, disability, carer) of fewer people than this are never shown,
in digests or on the public form's promise. Larger than `engage.privacy.models.SMALLEST_GROUP_SHOWN` on purpose: a
digest leaves Engage by email to people without accounts, is kept by them, and sets each group against the
borough's published census shares, so a small group there is easier to single out and cannot be taken back."""

QUESTIONS: dict[str, str] = {
    "age_band": "Age",
    "ethnicity": "Ethnic group",
    "disability": "Disability or long-term condition",
    "carer": "Carer",
}

BOROUGH_SHARES: dict[str, dict[str, float]] = {
    "age_band": {
        "Under 18": 0.18,
        "18 to 24": 0.09,
        "25 to 34": 0.24,
        "35 to 49": 0.24,
        "50 to 64": 0.15,
        "65 to 74": 0.06,
        "75 or over": 0.04,
    },
    "ethnicity": {
        "Asian or Asian British": 0.07,
        "Black, Black British, Caribbean or African": 0.24,
        "Mixed or multiple ethnic groups": 0.08,
        "White British": 0.37,
        "White: another White background (including Portuguese, Polish, Irish)": 0.18,
        "Another ethnic group": 0.06,
    },
    "disability": {"Yes": 0.14, "No": 0.86},
    "carer": {"Yes": 0.07, "No": 0.93},
}
