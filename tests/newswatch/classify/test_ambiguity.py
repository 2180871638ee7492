"""Each ambiguity rule of newswatch/classify/places.py on real sentences (tests/data/collected/places.jsonl,
each row with its source URL), plus the Sahel-specific «Мали» cases."""
import pytest

from tests.newswatch.classify.conftest import collected

ROWS = collected("places.jsonl")


def facts_of(classifier, index):
    row = ROWS[index]
    assert row["kind"] == "ambiguity", row
    return classifier.classify(row["title"] or "", row["text"], declared_lang=row["lang"])


@pytest.mark.parametrize("index", [1, 3, 4, 5, 46, 47, 48, 78, 79, 80])
def test_niger_delta_is_nigeria(classifier, index):
    facts = facts_of(classifier, index)
    assert "NG" in facts.mentioned and "NE" not in facts.mentioned, facts.mentioned


@pytest.mark.parametrize("index", [6, 8, 50, 76, 77])
def test_georgia_the_us_state(classifier, index):
    facts = facts_of(classifier, index)
    assert "US" in facts.mentioned and "GE" not in facts.mentioned, facts.mentioned


def test_georgia_the_country(classifier):
    facts = classifier.classify("Georgia's ruling party wins disputed election",
                                "Protesters gathered in Tbilisi after Georgian Dream claimed victory.")
    assert "GE" in facts.countries and "US" not in facts.mentioned


@pytest.mark.parametrize("index", [9, 10, 104])
def test_chad_as_a_first_name(classifier, index):
    assert "TD" not in facts_of(classifier, index).mentioned


@pytest.mark.parametrize("index", [11, 22])
def test_jordan_the_river_and_the_person(classifier, index):
    assert "JO" not in facts_of(classifier, index).mentioned


def test_jordan_the_country_with_its_demonym(classifier):
    assert "JO" in facts_of(classifier, 13).mentioned or "JO" in facts_of(classifier, 12).mentioned


def test_reading_and_mobile_with_their_country(classifier):
    assert "GB" in facts_of(classifier, 15).mentioned
    mobile = facts_of(classifier, 16)
    assert "US" in mobile.mentioned and "Mobile" in {c["name"] for c in mobile.cities}


def test_word_like_city_names_alone_tag_nothing(classifier):
    assert facts_of(classifier, 19).mentioned == []          # "Nice ..." the adjective
    assert "GB" not in facts_of(classifier, 14).mentioned     # "Reading becomes the centre": no country named
    assert facts_of(classifier, 17).cities == []              # "Mobile Mayor ...": no US context


def test_nice_the_city(classifier):
    assert "FR" in facts_of(classifier, 43).mentioned
    assert "FR" in facts_of(classifier, 75).mentioned         # Arabic «نيس»


@pytest.mark.parametrize("index", [105, 106, 107, 108, 109, 110, 111])
def test_mali_inside_russian_words_is_not_mali(classifier, index):
    assert "ML" not in facts_of(classifier, index).mentioned


def test_mali_in_russian_is_mali(classifier):
    rows = [r for r in collected("visits.jsonl") if r["lang"] == "ru" and "Мали" in r["text"]]
    assert rows
    for row in rows:
        facts = classifier.classify(row["title"] or "", row["text"], declared_lang="ru")
        assert "ML" in facts.mentioned, (row["source"], row["text"][:120])


def test_arabic_everyday_words_that_are_city_names_once_normalized(classifier):
    # «دولة» (state) is GeoNames' «دوله» (Dhule, IN), «إطار» (framework) its «اطار» (Atar, MR);
    # «الى دولة مالي» ("to the state of Mali") names Mali. Real sentence: tests/data/collected/visits.jsonl,
    # note "Lavrov arrives in Mali (country named, no capital)"; the «في إطار» clause is from the Nouakchott row.
    facts = classifier.classify("سيرجي لافروف يصل موريتانيا",
                                "وصل اليوم وزير الخارجية الروسي , سيرغي لافروف الى دولة مالي في زيارة"
                                " من اجل بحث توسيع التعاون بين البلدين، وذلك في إطار جولة إفريقية")
    assert {c["name"] for c in facts.cities} == set()
    assert "IN" not in facts.mentioned and {"ML", "MR", "RU"} <= set(facts.mentioned)


def test_a_weekday_after_a_country_is_not_a_surname(classifier):
    # tests/data/collected/visits.jsonl, "Russian delegation led by Lavrov visits Chad": "Chad Wednesday"
    # is no person named Chad
    facts = classifier.classify("", "A Russian delegation led by Foreign Minister Sergei Lavrov paid an official "
                                    "visit to Chad Wednesday to strengthen bilateral friendship and cooperation.")
    assert "TD" in facts.countries
    assert "TD" not in classifier.classify("", "Chad Smith said on Wednesday he would run again.").mentioned


def _visit_row(note):
    (row,) = [r for r in collected("visits.jsonl") if r["note"] == note]
    return row


@pytest.mark.parametrize("note,city,phrase", [
    ("Yevkurov and Ivanov in Ouagadougou (capital implied)", "Ouagadougou", "capitale Burkinabè"),
    ("Lavrov welcomed at Ouagadougou airport", "Ouagadougou", "capitale Burkinabè"),
])
def test_a_demonym_capital_names_the_capital(classifier, note, city, phrase):
    """Rule 8 of places.py on real rows of tests/data/collected/visits.jsonl (sources there)."""
    row = _visit_row(note)
    facts = classifier.classify(row["title"] or "", row["text"], declared_lang=row["lang"])
    assert any(c["name"] == city and c["capital"] for c in facts.cities), facts.cities
    assert any(e.kind == "city" and e.text == phrase for e in facts.evidence)


def test_a_demonym_capital_followed_by_the_name_is_the_name_only(classifier):
    for note, city in (("Lavrov arrives in Bamako (Sputnik)", "Bamako"),   # "the Malian capital Bamako"
                       ("US official Phee in Niamey", "Niamey")):          # "the Nigerien capital Niamey"
        row = _visit_row(note)
        facts = classifier.classify(row["title"] or "", row["text"], declared_lang=row["lang"])
        assert [e.text for e in facts.evidence if e.kind == "city"] == [city]


def test_capital_markets_are_no_capital(classifier):
    assert classifier.classify("", "Malian capital markets are small and illiquid.").cities == []


@pytest.mark.parametrize("index", [112, 113])
def test_niger_after_a_part_of_the_country_is_the_country(classifier, index):
    """"Niger" needs company (the river, the Niger Delta) or a preposition of place before it; a part of the country
    between the two (« dans l’ouest du Niger », "in northern Niger", «на севере Нигера») or a compass adjective
    alone ("Western Niger, where …") says the country too. Each sentence names no other country."""
    row = ROWS[index]
    facts = classifier.classify("", row["text"], declared_lang=row["lang"])
    assert facts.countries == ["NE"], facts.mentioned
    for text, lang in (("Gunmen killed two soldiers in northern Niger on Sunday.", "en"),   # written for this test
                       ("Боевики убили двух военных на севере Нигера в воскресенье.", "ru")):
        assert classifier.classify("", text, declared_lang=lang).countries == ["NE"], text
    assert "NE" not in classifier.classify("", "Boats sank on the Niger.", declared_lang="en").mentioned
