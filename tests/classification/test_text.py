"""Normalisation and lemmatisation of Russian appeal texts."""

from __future__ import annotations

from core.classification.text import _parse, analyse, lemmatize, normalize


def test_yo_becomes_e_and_case_is_folded():
    assert normalize("ЁЛКА во Дворе, Ещё Течёт") == "елка во дворе еще течет"


def test_html_tags_and_entities_are_removed():
    text = "<p>Течёт&nbsp;крыша</p><br/><b>срочно</b> &laquo;УК&raquo; &amp;lt;div&amp;gt;"
    assert normalize(text) == "течет крыша срочно ук"


def test_html_leftover_cut_at_the_end_is_removed():
    assert normalize("Не горит фонарь <span style='color:red'") == "не горит фонарь"


def test_urls_and_emails_are_removed():
    text = "фото тут https://vk.com/wall-1_2?x=1 и www.gosuslugi.ru/help, пишите на ivan.p@mail.ru"
    assert normalize(text) == "фото тут и пишите на"


def test_numbers_are_removed():
    assert normalize("Дом 15/2, кв. 34, с 01.12.2023 по 3,5 часа") == "дом кв с по часа"


def test_elongated_letters_and_punctuation_runs_are_collapsed():
    assert normalize("мусооооор!!!! нууу...") == "мусор ну"


def test_lemmas_drop_fillers_function_words_and_addresses():
    text = "ну вот значит эээ короче у нас на ул. Ленина д. 5 типа не вывозят мусор"
    assert lemmatize(normalize(text)) == ["ленин", "вывозить", "мусор"]


def test_soft_sign_typo_is_read_as_hard_sign():
    assert lemmatize(normalize("в подьезде обьявление")) == ["подъезд", "объявление"]


def test_analyse_keeps_words_aligned_with_lemmas():
    doc = analyse("Ну, в квартире батареи не греют!")
    assert doc.words == ["квартире", "батареи", "греют"]
    assert doc.lemmas == ["квартира", "батарея", "греть"]
    assert doc.content_text == "квартире батареи греют"


def test_lemmatisation_is_cached():
    _parse.cache_clear()
    text = "Третий день не вывозят мусор с контейнерной площадки возле дома"
    first = analyse(text)
    misses = _parse.cache_info().misses
    assert analyse(text).lemmas == first.lemmas
    assert _parse.cache_info().misses == misses and _parse.cache_info().hits > 0
