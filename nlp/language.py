"""Which language a contribution is written in, so that nothing not in English is tagged as if it were.

Short texts defeat character n-gram models trained on books, but function words give a language away quickly:
each candidate is scored by the share of a text's words that are among its stop words (spaCy's lists), with
script checks for Arabic and Bengali. Below a minimum of evidence the answer is "unknown", never a guess.
"""

from __future__ import annotations

import importlib
import re
import unicodedata

import msgspec

CANDIDATES = ("en", "pt", "es", "pl", "fr", "it", "de", "ro", "tr", "yo")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_STOP_WORDS: dict[str, frozenset[str]] = {}
_PLAIN_STOP_WORDS: dict[str, frozenset[str]] = {}
_DISTINCTIVE = {"pt": "ãõ", "es": "ñ¿¡", "pl": "ąęłńśźż", "tr": "ğı", "ro": "ășțşţ", "de": "ß"}


class LanguageGuess(msgspec.Struct, frozen=True, kw_only=True):
    language: str
    """An ISO 639-1 code, or "unknown"."""
    confidence: float


def _stop_words(language: str) -> frozenset[str]:
    if language not in _STOP_WORDS:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
        _STOP_WORDS[language] = frozenset(word.lower() for word in module.STOP_WORDS)
    return _STOP_WORDS[language]


def _plain_stop_words(language: str) -> frozenset[str]:
    if language not in _PLAIN_STOP_WORDS:
        _PLAIN_STOP_WORDS[language] = frozenset(_strip_accents(word) for word in _stop_words(language))
    return _PLAIN_STOP_WORDS[language]


def _strip_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def detect_language(text: str, *, min_words: int = 3) -> LanguageGuess:
    letters = [ch for ch in text if ch.isalpha()]
    if letters:
        arabic = sum("\u0600" <= ch <= "\u06ff" for ch in letters) / len(letters)
        bengali = sum("\u0980" <= ch <= "\u09ff" for ch in letters) / len(letters)
        if arabic > 0.5:
            return LanguageGuess(language="ar", confidence=round(arabic, 2))
        if bengali > 0.5:
            return LanguageGuess(language="bn", confidence=round(bengali, 2))
    words = [word.lower() for word in _WORD.findall(text)]
    if len(words) < min_words:
        return LanguageGuess(language="unknown", confidence=0.0)
    english = sum(1 for word in words if word in _stop_words("en")) / len(words)
    if english >= 0.3 and all(ord(ch) < 128 for ch in letters):
        # Plainly English: most texts take this exit and skip the other nine lists.
        return LanguageGuess(language="en", confidence=round(min(1.0, english * 2), 2))
    scores: dict[str, float] = {}
    for language in CANDIDATES:
        stops = _stop_words(language)
        # Accents are often dropped when typing on a phone: "nao" for "não".
        plain = _plain_stop_words(language)
        hits = sum(
            1
            for word in words
            if word in stops or (not word.isascii() and _strip_accents(word) in plain) or word in plain
        )
        scores[language] = hits / len(words)
    lowered = text.lower()
    for language, letters_of in _DISTINCTIVE.items():
        if any(ch in lowered for ch in letters_of):
            # Letters only one candidate uses settle close calls ("no", "de", "me" are Spanish and Portuguese).
            scores[language] += 0.2
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 0.15:
        return LanguageGuess(language="unknown", confidence=round(top, 2))
    if top - second < 0.04:
        # Short English shares words like "to", "on", "a" with Polish and others; with no letter outside ASCII,
        # a tie that includes English is English.
        if scores["en"] == top and all(ord(ch) < 128 for ch in letters):
            return LanguageGuess(language="en", confidence=0.5)
        return LanguageGuess(language="unknown", confidence=round(top, 2))
    return LanguageGuess(language=best, confidence=round(min(1.0, (top - second) * 4 + 0.5), 2))


def needs_translation(guess: LanguageGuess) -> bool:
    return guess.language != "en"
