"""variants(): inflected surface forms of dictionary terms, by language and kind."""
from __future__ import annotations

import pytest

from newswatch.classify.morphology import variants
from newswatch.classify.normalize import normalize_term


@pytest.mark.parametrize(("term", "forms"), [
    ("Лавров", {"лавров", "лаврова", "лаврову", "лавровым", "лаврове"}),
    ("Путин", {"путин", "путина", "путину", "путиным", "путине"}),
    ("Ниамей", {"ниамей", "ниамея", "ниамею", "ниамеем", "ниамее"}),
    ("Россия", {"россия", "россии", "россию", "россией"}),
    ("Москва", {"москва", "москвы", "москве", "москву", "москвой"}),
    ("Африка", {"африка", "африки", "африке", "африку", "африкой"}),
    ("Гвинея", {"гвинея", "гвинеи", "гвинее", "гвинею", "гвинеей"}),
    ("Кремль", {"кремль", "кремля", "кремлю", "кремлем", "кремле"}),
    ("Нджамена", {"нджамена", "нджамену", "нджамены", "нджамене"}),
    ("Нуакшот", {"нуакшот", "нуакшота", "нуакшоте"}),
    ("Захарова", {"захарова", "захаровой", "захарову"}),
    ("Дмитрий", {"дмитрий", "дмитрия", "дмитрию", "дмитрием", "дмитрии"}),
    ("Нью-Йорк", {"нью-йорк", "нью-йорка", "нью-йорке"}),
    ("Сергей Лавров", {"сергей лавров", "сергея лаврова", "сергею лаврову", "сергеем лавровым", "сергее лаврове"}),
    ("Южная Африка", {"южная африка", "южной африки", "южную африку", "южной африкой"}),
    ("Зеленский", {"зеленский", "зеленского", "зеленскому", "зеленским", "зеленском"}),
])
def test_russian_names_decline(term, forms):
    assert forms <= variants(term, "ru", "name")


@pytest.mark.parametrize("term", ["Бамако", "Мали", "Того", "Перу", "Буркина-Фасо", "Уагадугу", "США", "НАТО"])
def test_russian_indeclinable_names_stay_as_they_are(term):
    assert variants(term, "ru", "name") == {normalize_term(term)}


@pytest.mark.parametrize("term", ["российский", "малийский"])
def test_russian_adjectives_have_every_gender_number_and_case(term):
    stem = normalize_term(term)[:-2]
    endings = ["ий", "ого", "ому", "им", "ом", "ая", "ой", "ую", "ое", "ие", "их", "ими"]
    assert {stem + e for e in endings} <= variants(term, "ru", "adjective")


def test_russian_hard_adjective():
    assert {"новый", "нового", "новым", "новая", "новую", "новые", "новых", "новыми"} <= variants(
        "новый", "ru", "adjective")


def test_russian_phrases_inflect_their_head():
    forms = variants("министр иностранных дел", "ru", "phrase")
    assert {"министр иностранных дел", "министра иностранных дел", "министром иностранных дел",
            "министру иностранных дел", "министре иностранных дел"} <= forms
    assert not any(f.endswith(("иностранного дел", "дела")) for f in forms)
    agreed = variants("российский министр", "ru", "phrase")
    assert {"российского министра", "российскому министру", "российским министром", "российские министры"} <= agreed
    assert "главы мид россии" in variants("глава МИД России", "ru", "phrase")


def test_russian_common_nouns_have_plurals():
    assert {"санкции", "санкций", "санкциям", "санкциями", "санкциях"} <= variants("санкция", "ru", "noun")
    assert {"перемирия", "перемирием", "перемирии"} <= variants("перемирие", "ru", "noun")


@pytest.mark.parametrize(("term", "forms"), [
    ("russe", {"russe", "russes"}),
    ("malien", {"malien", "malienne", "maliens", "maliennes"}),
    ("nigérien", {"nigerien", "nigerienne", "nigeriens", "nigeriennes"}),
    ("français", {"francais", "francaise", "francaises"}),
    ("marocain", {"marocain", "marocaine", "marocains", "marocaines"}),
    ("burkinabè", {"burkinabe"}),
])
def test_french_demonyms(term, forms):
    assert variants(term, "fr", "adjective") == forms


def test_french_nouns_names_and_phrases():
    assert variants("sanction", "fr", "noun") == {"sanction", "sanctions"}
    assert variants("journal", "fr", "noun") == {"journal", "journaux"}
    assert variants("Bamako", "fr", "name") == {"bamako"}
    assert variants("armée malienne", "fr", "phrase") == {"armee malienne", "armees maliennes"}
    assert "ministres des affaires etrangeres" in variants("ministre des Affaires étrangères", "fr", "phrase")


def test_english():
    assert variants("Malian", "en", "adjective") == {"malian", "malians"}
    assert variants("Pakistani", "en", "adjective") == {"pakistani", "pakistanis"}
    assert variants("Chinese", "en", "adjective") == {"chinese"}
    assert variants("British", "en", "adjective") == {"british"}
    assert variants("Lavrov", "en", "name") == {"lavrov"}
    assert variants("foreign minister", "en", "phrase") == {"foreign minister", "foreign ministers"}
    assert "ministers of defence" in variants("minister of defence", "en", "phrase")
    assert variants("militia", "en", "noun") == {"militia", "militias"}
    assert variants("crisis", "en", "noun") == {"crisis", "crises"}
    assert variants("embassy", "en", "noun") == {"embassy", "embassies"}


def test_arabic_article_and_nisba():
    nisba = {"روسي", "روسيه", "روسيون", "روسيين", "روسيات"}   # and the sound plurals: «الروسيين», «مصريون»
    assert variants("روسي", "ar", "adjective") == nisba | {"ال" + f for f in nisba}
    assert variants("الروسية", "ar", "adjective") == nisba | {"ال" + f for f in nisba}
    assert variants("النيجر", "ar", "name") == {"النيجر", "نيجر"}
    assert variants("باماكو", "ar", "name") == {"باماكو"}
    assert variants("انقلاب", "ar", "noun") == {"انقلاب", "الانقلاب"}


def test_spanish_portuguese_german():
    assert variants("ruso", "es", "adjective") == {"ruso", "rusa", "rusos", "rusas"}
    assert {"maliense", "malienses"} == variants("maliense", "es", "adjective")
    assert {"francesa", "franceses", "francesas"} <= variants("francês", "pt", "adjective")
    assert {"russo", "russa", "russos", "russas"} == variants("russo", "pt", "adjective")
    assert {"russische", "russischen", "russischer"} <= variants("russisch", "de", "adjective")
    assert variants("Russland", "de", "name") == {"russland", "russlands"}


def test_every_form_is_normalized_and_the_term_is_always_there():
    for term, lang, kind in [("Ёлкин", "ru", "name"), ("Nigérien", "fr", "adjective"), ("بَامَاكُو", "ar", "name"),
                             ("Straße", "de", "noun"), ("Lavrov", "xx", "name")]:
        forms = variants(term, lang, kind)
        assert normalize_term(term) in forms
        assert all(normalize_term(f) == f for f in forms)


def test_bad_kind_and_empty_term():
    with pytest.raises(ValueError, match="kind"):
        variants("Mali", "en", "verb")
    assert variants("  ", "en", "name") == set()
