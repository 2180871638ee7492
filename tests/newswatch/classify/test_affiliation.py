"""is_affiliation: a country named as whose an office is, in en/fr/ru/ar, against the same
country named as a place. Phrases are cut from rows of tests/data/collected (sources there) or
are the minimal pairs that tell the two apart."""
import pytest

from newswatch.classify.affiliation import is_affiliation, is_relation

AFFILIATION = [
    ("Burkina Faso's President Ibrahim Traore", "Burkina Faso"),
    ("The head of Niger's military regime General", "Niger"),
    ("Niger Regime Chief Talks", "Niger"),
    ("Interim President of Mali Assimi Goita", "Mali"),
    ("le Président du Burkina Faso, le Capitaine", "Burkina Faso"),
    ("le chef de l'État du Niger a reçu", "Niger"),
    ("глава МИД Мали Абдулай Диоп", "Мали"),
    ("президентом Мали Ассими Гоитой", "Мали"),
    ("التقى رئيس مالي", "مالي"),
    ("وزير خارجية مالي عبد الله ديوب", "مالي"),
    ("التقى وزير مالي", "مالي"),                     # the «و» of «وزير» is no conjunction
    ("استقبل وزارة دفاع مالي", "مالي"),
    ("وزيرة خارجية النيجر", "النيجر"),
]
PLACE = [
    ("Lavrov arrived in Mali's capital Bamako", "Mali"),
    ("Lavrov arrived in Mali on Monday", "Mali"),
    ("paid an official visit to Chad Wednesday", "Chad"),
    ("Lavrov visited Mali. Government officials said", "Mali"),
    ("au Mali pour une visite", "Mali"),
    ("the north of Mali", "Mali"),
    ("прибыл в Мали с визитом", "Мали"),
    ("визита в Мали.", "Мали"),
    ("وصل لافروف إلى مالي في زيارة", "مالي"),
    ("الى دولة مالي في زيارة", "مالي"),
    ("زار لافروف مالي والرئيس الروسي في موسكو", "مالي"),   # an office after the name: English order only
    ("وصل إلى مالي الأسبوع الماضي", "مالي"),
]


@pytest.mark.parametrize("text,name", AFFILIATION)
def test_office_of_a_country(text, name):
    start = text.index(name)
    assert is_affiliation(text, start, start + len(name))


@pytest.mark.parametrize("text,name", PLACE)
def test_country_as_a_place(text, name):
    start = text.index(name)
    assert not is_affiliation(text, start, start + len(name))


@pytest.mark.parametrize("text,name,relation", [
    ("strengthening diplomatic relations between Moscow and Bamako.", "Moscow", True),
    ("strengthening diplomatic relations between Moscow and Bamako.", "Bamako", True),
    ("le rapprochement entre Moscou et Ouagadougou", "Ouagadougou", True),
    ("отношения между Москвой и Бамако", "Бамако", True),
    ("تعزيز العلاقات بين موسكو ودول القارة", "موسكو", True),    # the Nouakchott row of visits.jsonl
    ("talks between them in Bamako", "Bamako", False),
    ("Lavrov arrived in Bamako on Monday", "Bamako", False),
    ("وصل لافروف إلى نواكشوط", "نواكشوط", False),
])
def test_between_two_capitals_is_a_relation(text, name, relation):
    assert is_relation(text, text.index(name)) is relation
