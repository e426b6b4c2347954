"""Full-text matching of the search box against catalog variants.

Variants carry a ``search_vector`` (brand, model, category, storage, colour,
connectivity words). Every word the shopper types must match the start of a
catalog word (``iphon`` finds iPhone, ``s2`` finds S21 to S24). A word that
matches nothing is corrected to the closest catalog word ("did you mean"),
which makes typos such as ``iphnoe`` or ``galxy`` find their devices.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from listings.services import catalog_version

_STOP_WORDS = {
    "a", "an", "and", "the", "for", "with", "in", "of", "refurbished",
    "reconditionne", "used", "gb", "go", "tb", "to",
}  # fmt: skip
_STORAGE = re.compile(r"\b(\d+)\s*(gb|go|tb|to)\b")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class TextMatch:
    tokens: tuple[str, ...]
    corrected_text: str | None  # set when a typo was corrected


def tokenize(text: str) -> list[str]:
    """Lowercase words of a search, with "128 GB" written as the catalog does."""
    text = text.lower()
    text = _STORAGE.sub(
        lambda m: m.group(1) + ("tb" if m.group(2) in "tbto" else "gb"), text
    )
    return [w for w in _WORD.findall(text) if w not in _STOP_WORDS][:8]


def _lexicon() -> list[str]:
    """Every distinct word of the catalog's search text (a few hundred)."""
    key = f"search:lexicon:{catalog_version()}"
    words = cache.get(key)
    if words is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT word FROM listings_variant, "
                "regexp_split_to_table(search_text, '[^a-z0-9]+') AS word "
                "WHERE word <> ''"
            )
            words = sorted(row[0] for row in cursor.fetchall())
        cache.set(key, words, timeout=3600)
    return words


def _correct(token: str, lexicon: list[str]) -> str | None:
    if any(word.startswith(token) for word in lexicon):
        return token
    if len(token) < 3 or token.isdigit():
        return None
    close = difflib.get_close_matches(token, lexicon, n=1, cutoff=0.7)
    return close[0] if close else None


def text_match(text: str) -> TextMatch:
    """Turn the search box into catalog tokens, correcting typos where needed."""
    tokens = tokenize(text)
    if not tokens:
        return TextMatch((), None)
    lexicon = _lexicon()
    corrected = []
    for token in tokens:
        replacement = _correct(token, lexicon)
        # A word with no match and no correction stays, so the search finds
        # nothing rather than quietly ignoring what the shopper asked for.
        corrected.append(replacement or token)
    changed = corrected != tokens
    return TextMatch(tuple(corrected), " ".join(corrected) if changed else None)


def tsquery(tokens: tuple[str, ...]) -> str:
    """A prefix tsquery of [a-z0-9]+ words, so nothing needs escaping."""
    safe = [token for token in tokens if _WORD.fullmatch(token)]
    return " & ".join(f"{token}:*" for token in safe)
