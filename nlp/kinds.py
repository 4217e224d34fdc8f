"""The kinds of concern a safeguarding flag names: the ten kinds of abuse and neglect of the Care Act 2014 statutory
guidance (14.17), in its order, then risk to life (suicide, self-harm, immediate danger).

Standard library only: nlp/data/check_corpus.py runs without the project's virtual environment and reads them
here. Their names for people live with the flags (engage.safeguarding.models.KIND_NAMES; a test keeps the ids equal).
"""

from __future__ import annotations

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
