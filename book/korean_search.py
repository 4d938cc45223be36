"""Korean full-text search for the book's website (a Sphinx extension).

Sphinx ships search support for some twenty languages, not Korean; without it the index holds
whole eojeol (어절), a noun with its particle glued on: "콘볼루션은", "콘볼루션을", "덧대기를",
so searching "콘볼루션" finds only the places where the word stands bare. This language

- splits text into words as Sphinx does for English (runs of letters, digits and ``_``);
- stems a word that contains Hangul by stripping one trailing particle or copula ending from
  ``PARTICLES`` (longest first, never the whole word): 콘볼루션은 → 콘볼루션, 덧대기를 → 덧대기,
  ResNet과 → resnet; a word with no Hangul is stemmed with Sphinx's English (Snowball) stemmer,
  since the book's technical terms carry their English in parentheses;
- gives the browser the same stemmer in JavaScript (the particle list is written into it from
  ``PARTICLES``), so a query is stemmed exactly as the index was: "콘볼루션은" and "콘볼루션"
  both look up 콘볼루션.

Stripping a particle-like last syllable from a word that has none (평가 → 평) costs nothing:
query and index are stemmed alike, so the two still meet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import snowballstemmer
from sphinx.search import _MINIFIED_JS_PATH, SearchLanguage
from sphinx.search._stopwords.en import ENGLISH_STOPWORDS

# Particles (조사), copulas and common verb endings that follow a noun in the book's prose,
# e.g. 콘볼루션은, 층의, 필터로, 정규화하는, 신경망입니다. Longest match is stripped first.
PARTICLES = tuple(sorted({
    "은", "는", "이", "가", "을", "를", "의", "에", "와", "과", "도", "만", "로", "으로",
    "에서", "에게", "께", "까지", "부터", "보다", "처럼", "마다", "이나", "나", "이며", "며",
    "이고", "고", "이다", "다", "이라", "라", "이란", "란", "이라는", "라는", "이라고", "라고",
    "입니다", "인", "이면", "면", "에는", "에서는", "으로는", "로는", "와는", "과는", "에도",
    "에서도", "으로도", "로도", "와의", "과의", "에서의", "으로의", "로의", "에의", "만의",
    "으로서", "로서", "으로써", "로써", "들", "들은", "들이", "들을", "들의", "들에", "들과",
    "들로", "들도", "하다", "한다", "하는", "하고", "하면", "하여", "해서", "했다", "합니다",
    "했습니다", "하며", "할", "한", "된다", "되는", "되고", "되면", "됩니다", "되어", "된",
    "시킨다", "시키는", "입니다만", "이지만", "지만",
}, key=lambda p: (-len(p), p)))
HANGUL = re.compile(r"[\uac00-\ud7a3]")
BOOK = Path(__file__).resolve().parent


def strip_particle(word):
    """``word`` without its trailing particle (the longest in ``PARTICLES``); never empty."""
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return word


class SearchKorean(SearchLanguage):
    """Sphinx search language ``ko``: Korean particles stripped, English stemmed."""

    lang = "ko"
    language_name = "Korean"
    stopwords = ENGLISH_STOPWORDS

    def __init__(self, options):
        super().__init__(options)
        self.english = snowballstemmer.stemmer("english")

    def stem(self, word):
        word = word.lower()
        if HANGUL.search(word):
            word = strip_particle(word)
            if HANGUL.search(word):
                return word
        return self.english.stemWord(word)

    # The same stemmer for the browser: Sphinx's minified Snowball English stemmer, then ours.
    js_stemmer_code = "\n".join((
        (_MINIFIED_JS_PATH / "base-stemmer.js").read_text(encoding="utf-8"),
        (_MINIFIED_JS_PATH / "english-stemmer.js").read_text(encoding="utf-8"),
        (BOOK / "korean_stemmer.js").read_text(encoding="utf-8").replace(
            "PARTICLES_FROM_PYTHON", json.dumps(PARTICLES, ensure_ascii=False)),
    ))


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
