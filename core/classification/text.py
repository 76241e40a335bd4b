"""Russian text preparation: normalisation, tokenisation and cached lemmatisation (pymorphy3)."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import pymorphy3

__all__ = [
    "STOP_LEMMAS",
    "Analysed",
    "analyse",
    "lemma",
    "lemmatize",
    "normalize",
    "tokens",
]

_TAG_RE = re.compile(r"<(?:/?[a-zA-Z][^<>]{0,300}|!--.*?--)>", re.DOTALL)
_BROKEN_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|li|ul|ol|b|i|strong|em|a|font|table|tr|td)\b[^<>]*$"
)
_URL_RE = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|\b[\w.-]+\.(?:ru|рф|com|org|net|su)(?:/\S*)?", re.I
)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER_RE = re.compile(r"\d+(?:[.,:/-]\d+)*")
_NON_WORD_RE = re.compile(r"[^a-zа-я0-9\-]+")
_SPACES_RE = re.compile(r"\s+")
_HYPHENS_RE = re.compile(r"(?<![a-zа-я])-+|-+(?![a-zа-я])")
_REPEAT_RE = re.compile(r"([а-я])\1{2,}")
_SOFT_SIGN_RE = re.compile(r"^(под|об|от|с|раз|из|в|над|пред|сверх|меж|двух|трех)ь(?=[еяюе])")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Lemmas that carry no topic: function words, fillers of spoken Russian, politeness formulas.
STOP_LEMMAS: frozenset[str] = _word_set(
    """
    а без более бы быть в вам вас весь во вот вы где да даже для до его ее если есть еще же за
    и из или им их к как какой когда кто ли либо мой мы на над надо не нет ни но ну о об однако
    он она они оно от очень по под при с со так такой там тот то тоже только у уже что чтобы
    чей эта это этот я свой себя сам который наш ваш мочь какой-то что-то кто-то тут здесь
    ой ах эх ох ага угу эээ ээ ммм мм хм э м ну-ка алло але блин вообще короче типа значит
    слушать слушай понимать понимаешь кстати как-то вроде просто прям прямо ладно окей ок
    собственно сказать допустим пожалуйста здравствуйте здравствовать добрый день утро вечер
    уважаемый спасибо заранее просить прошу помочь помогите тип самый
    """
)

#: Lemmas pymorphy3 gets wrong for this domain (its first guess is a rare word).
_LEMMA_FIXES: dict[str, str] = {
    "ям": "яма",
    "газа": "газ",
    "света": "свет",
    "сосулить": "сосулька",
    "мусорк": "мусорка",
    "сада": "сад",
    "лифта": "лифт",
    "крыш": "крыша",
}

#: Address abbreviations and other short forms that say nothing about the topic.
_SKIP_WORDS = _word_set("ул д г кв пр пер корп стр мкр обл рн р п с см т тд др им")

_SKIP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "NUMR", "PRED"})

_morph: pymorphy3.MorphAnalyzer | None = None


def analyzer() -> pymorphy3.MorphAnalyzer:
    global _morph
    if _morph is None:
        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def normalize(text: str) -> str:
    """Lower-case plain text: no HTML, URLs, e-mails or numbers; ё→е; one space between words."""
    text = html.unescape(html.unescape(text))
    text = _TAG_RE.sub(" ", text)
    text = _BROKEN_TAG_RE.sub(" ", text)
    text = _EMAIL_RE.sub(" ", text)
    text = _URL_RE.sub(" ", text)
    text = text.lower().replace("ё", "е")
    text = _NUMBER_RE.sub(" ", text)
    text = _NON_WORD_RE.sub(" ", text)
    text = _HYPHENS_RE.sub(" ", text)
    text = _REPEAT_RE.sub(r"\1", text)
    return _SPACES_RE.sub(" ", text).strip()


def tokens(normalized: str) -> list[str]:
    """Words of a normalised text."""
    return normalized.split()


@lru_cache(maxsize=200_000)
def _parse(word: str) -> tuple[str, bool]:
    """(lemma, is a content word) of one lower-case word."""
    if word in _SKIP_WORDS:
        return word, False
    morph = analyzer()
    candidate = word
    if "ь" in word and not morph.word_is_known(word):
        # «подьезд», «обьявление»: a soft sign typed instead of the hard one.
        fixed = _SOFT_SIGN_RE.sub(r"\1ъ", word, count=1)
        if fixed != word and morph.word_is_known(fixed):
            candidate = fixed
    parse = morph.parse(candidate)[0]
    normal = parse.normal_form.replace("ё", "е")
    normal = _LEMMA_FIXES.get(normal, normal)
    content = (
        parse.tag.POS not in _SKIP_POS
        and normal not in STOP_LEMMAS
        and len(normal) > 1
        and not normal.isdigit()
    )
    return normal, content


def lemma(word: str) -> str:
    """Dictionary form of one normalised word (cached)."""
    return _parse(word)[0]


def lemmatize(normalized: str) -> list[str]:
    """Content lemmas of a normalised text, in order (function and filler words dropped)."""
    out = []
    for word in normalized.split():
        normal, content = _parse(word)
        if content:
            out.append(normal)
    return out


class Analysed:
    """A text prepared once for every feature extractor."""

    __slots__ = ("lemmas", "normalized", "words")

    def __init__(self, text: str) -> None:
        self.normalized = normalize(text)
        self.words: list[str] = []
        self.lemmas: list[str] = []
        for word in self.normalized.split():
            normal, content = _parse(word)
            if content:
                self.words.append(word)
                self.lemmas.append(normal)

    @property
    def content_text(self) -> str:
        """The content words only (fillers and function words removed), for character n-grams."""
        return " ".join(self.words)


def analyse(text: str) -> Analysed:
    """Normalise and lemmatise `text`."""
    return Analysed(text)
