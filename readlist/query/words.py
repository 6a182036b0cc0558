"""How text is cut into words for searching, the same way for papers and for queries.

A word is a run of letters and digits, case-folded, with accents removed (NFKD, then
combining marks dropped): "RAG-based" is the words "rag" and "based", "Déjà" is "deja".
A run of `+` or `#` that ends a word is part of it, so that C++, C# and F# are words of
their own (the identity rule keeps "C++ ..." and "C ..." apart; so does search): "C++"
is the word "c++", which the prefix `c` matches and the prefix `c++` matches alone, while
"a+b" is still "a" and "b".
A searchable text is its words joined by single spaces with a space at each end, so a
word that *starts with* `p` is the substring `" " + p`, and a phrase of consecutive words
`a b` starting with whole word `a` is `" a b"`: C-speed `in` tests, no regex per paper.
Fields joined into one text are separated by "| ", so a phrase never spans two fields.
"""

from __future__ import annotations

import re
import unicodedata

WORD_PATTERN = r"[^\W_]+(?:[+#]++(?![^\W_]))?"
_WORD = re.compile(WORD_PATTERN)
FIELD_BREAK = "| "
TOKENS = 2
"""The version of this cutting into words: a stored word index of another is stale."""


def normalize(text: str) -> str:
    """Case-folded, without accents: what words are compared as."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ASCII text (most of it) is cut by `str.translate` + `split`, both C loops: the
# Unicode-aware regex is ~30x slower, which cost seconds at 100,000 abstracts.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order."""
    folded = normalize(text)
    if folded.isascii() and "+" not in folded and "#" not in folded:
        return folded.translate(_ASCII_SEPARATORS).split()
    return _WORD.findall(folded)


def searchable(*parts: str) -> str:
    """`parts` as one searchable text: " w1 w2 | w3 ", see the module docstring."""
    return " " + FIELD_BREAK.join(" ".join(words(p)) + " " for p in parts)
