"""The reference tables: they load, they say what the classifier relies on, and a broken table
fails with file, line and key."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.classify.tables import (LANGS, ROLES, TABLE_FILES, WORDLIKE_FILE, load_cities, load_tables,
                                        packaged_tables_dir, wordlike_path)
from newswatch.config.yamlconf import ConfigError

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "newswatch" / "classify" / "data"   # the packaged tables
SAHEL_CAPITALS = {"Bamako": "ML", "Niamey": "NE", "Ouagadougou": "BF", "N'Djamena": "TD", "Nouakchott": "MR"}
CYRILLIC = re.compile("[\u0400-\u04ff]")
ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def tables():
    return load_tables(CONFIG)


@pytest.fixture(scope="module")
def cities():
    return load_cities()


def test_tables_load_with_every_country(tables):
    assert len(tables.countries) == 250
    assert "XK" in tables.countries and "NO" in tables.countries
    assert all(c.names.get("en") for c in tables.countries.values())
    with_ar_ru = [c for c in tables.countries.values() if c.names.get("ar") and c.names.get("ru")]
    assert len(with_ar_ru) == 250


def test_mali(tables):
    mali = tables.countries["ML"]
    assert mali.capital == "Bamako"
    assert mali.m49 == {"region": "Africa", "subregion": "Sub-Saharan Africa", "intermediate": "Western Africa"}
    assert {"sahel", "west-africa", "africa", "sub-saharan-africa", "western-africa"} <= set(tables.regions_of("ML"))
    assert "مالي" in mali.names["ar"] and "مالي" in mali.demonyms["ar"]  # the nisba is the name
    assert mali.demonyms["ru"] == ["малийский", "малиец", "малийцы"] and mali.demonyms["fr"] == ["malien"]
    assert mali.ambiguous["Мали"].startswith("case-sensitive")


@pytest.mark.parametrize("code,ru,ar", [("RU", "российский", "روسي"), ("FR", "французский", "فرنسي"),
                                        ("US", "американский", "أمريكي"), ("NE", "нигерский", "نيجري"),
                                        ("NG", "нигерийский", "نيجيري")])
def test_demonym_adjectives(tables, code, ru, ar):
    country = tables.countries[code]
    assert ru in country.demonyms["ru"] and ar in country.demonyms["ar"]


@pytest.mark.parametrize("text, code", [
    # tests/data/places_labelled/ru.jsonl ru-011 (a Canadian ate 135 chili peppers) and ru-049 (a Russian detained
    # as a guide in Thailand): Russian names the people with a noun of its own, declined
    ("Канадец съел 135 перцев чили", "CA"), ("Россиянина задержали за работу гидом", "RU"),
    ("Двое американцев погибли", "US"), ("Украинцы эвакуированы", "UA"), ("Армян депортировали", "AM")])
def test_russian_nouns_for_a_countrys_people(classifier, text, code):
    facts = classifier.classify("", text, declared_lang="ru")
    assert facts.mentioned == [code], facts.mentioned


def test_sahel_g20_and_post_soviet_countries_have_arabic_and_russian_demonyms(tables):
    codes = ("ML BF NE TD MR DZ MA LY EG SN CI NG GN "  # Sahel and neighbours
             "AR AU BR CA CN FR DE IN ID IT JP KR MX RU SA ZA TR GB US "  # G20
             "AM AZ BY EE GE KZ KG LV LT MD TJ TM UA UZ").split()  # post-Soviet
    missing = [c for c in codes if not (tables.countries[c].demonyms.get("ar")
                                        and tables.countries[c].demonyms.get("ru"))]
    assert missing == []


def test_colloquial_names(tables):
    names = lambda code, lang: set(tables.countries[code].names[lang])
    assert {"US", "U.S.", "USA", "America"} <= names("US", "en") and "США" in names("US", "ru")
    assert {"UK", "Britain"} <= names("GB", "en") and "Великобритания" in names("GB", "ru")
    assert {"DRC", "DR Congo"} <= names("CD", "en") and "RDC" in names("CD", "fr")
    assert {"Ivory Coast", "Côte d'Ivoire"} <= names("CI", "en") and "КНДР" in names("KP", "ru")
    assert "Burkina" in names("BF", "en") and "Буркина-Фасо" in names("BF", "ru")
    assert "États-Unis" in names("US", "fr")
    # "America" is only the United States
    assert [c for c, country in tables.countries.items() if "America" in country.names.get("en", [])] == ["US"]


def test_a_name_belongs_to_one_country_per_language(tables):
    owners = {}
    for code, country in tables.countries.items():
        for lists in (country.names, country.demonyms):
            for lang, names in lists.items():
                for name in names:
                    assert owners.setdefault((lang, name.casefold()), code) == code, (lang, name)


def test_ambiguous_names_are_marked(tables):
    assert "Chad" in tables.countries["TD"].ambiguous
    assert "Georgia" in tables.countries["GE"].ambiguous
    assert "Jordan" in tables.countries["JO"].ambiguous
    assert "Niger" in tables.countries["NE"].ambiguous
    assert "Turkey" in tables.countries["TR"].ambiguous
    assert tables.countries["DZ"].ambiguous["الجزائر"].startswith("capital:")
    for country in tables.countries.values():
        known = {n for lists in (country.names, country.demonyms) for names in lists.values() for n in names}
        assert set(country.ambiguous) <= known


def test_every_region_names_existing_countries(tables):
    assert len(tables.regions) >= 40
    for slug, region in tables.regions.items():
        assert region.countries, slug
        assert region.countries <= set(tables.countries), slug
        assert region.kind in ("named", "m49")
    assert tables.regions["sahel"].countries == {"ML", "BF", "NE", "TD", "MR"}
    assert len(tables.regions["eu"].countries) == 27 and len(tables.regions["post-soviet"].countries) == 15
    assert "NO" in tables.regions["nato"].countries
    assert tables.regions["western-africa"].kind == "m49"
    # a named region replaces the M49 one of the same slug and contains it
    assert tables.regions["southern-africa"].kind == "named"
    assert {"BW", "LS", "NA", "SZ", "ZA"} <= tables.regions["southern-africa"].countries
    assert "Сахель" in tables.regions["sahel"].names["ru"]
    assert "Micronesia" not in tables.regions["micronesia"].names.get("en", [])  # the country's name


def test_lavrov(tables):
    lavrov = next(a for a in tables.actors if a.id == "lavrov")
    assert (lavrov.nationality, lavrov.role) == ("RU", "official")
    assert {"en", "fr", "ar", "ru"} <= set(lavrov.names)
    assert "لافروف" in lavrov.names["ar"] and "Лавров" in lavrov.names["ru"]


def test_actors(tables):
    ids = [a.id for a in tables.actors]
    assert len(ids) == len(set(ids)) >= 30
    for actor in tables.actors:   # an armed group of no one state has no nationality ("")
        assert actor.nationality in tables.countries or (actor.nationality, actor.role) == ("", "militia"), actor.id
        assert actor.role in ROLES and {"en", "fr", "ar", "ru"} <= set(actor.names), actor.id
    assert {a.id for a in tables.actors if not a.nationality} >= {"jnim", "islamic-state", "al-qaeda"}
    roles = {a.id: a.role for a in tables.actors}
    assert roles["prigozhin"] == "militia" and roles["guterres"] == "un-official" and roles["gerasimov"] == "military"
    assert {"goita", "traore-ibrahim", "tiani", "deby", "ghazouani", "putin"} <= {
        a.id for a in tables.actors if a.role == "head-of-state"}
    patterns = tables.role_patterns
    assert "foreign minister" in patterns["titles"]["en"] and "Кремль" in patterns["institutions"]["RU"]["ru"]
    assert patterns["roles_for_titles"]["president"] == "head-of-state"
    assert patterns["roles_for_titles"]["prime minister"] == "head-of-government"
    assert "deputy prime minister" not in patterns["roles_for_titles"]   # an official


def test_topics(tables):
    paths = [t.path for t in tables.topics]
    for path in ("diplomacy", "diplomacy/visit", "military", "security", "security/terrorism", "coup",
                 "elections", "economy", "economy/sanctions", "humanitarian"):
        assert path in paths
    visit = next(t for t in tables.topics if t.path == "diplomacy/visit")
    assert {"visited", "arrived"} <= set(visit.terms["en"]) and "прибыл" in visit.terms["ru"]
    assert "زيارة" in visit.terms["ar"] and "s'est rendu" in visit.terms["fr"]
    assert "will visit" in tables.modality["planned"]["en"] and "прибудет" in tables.modality["planned"]["ru"]
    assert "if" in tables.modality["hypothetical"]["en"] and "heart attack" in tables.event_lookalikes["en"]
    assert set(tables.event_lookalikes) == {"en", "fr", "ar", "ru"}
    assert all(set(t.terms) <= set(LANGS) for t in tables.topics)


def test_digest_is_a_content_hash(tables, tmp_path):
    assert load_tables(CONFIG).digest() == tables.digest() and len(tables.digest()) == 32
    assert load_tables(CONFIG, min_population=16000).digest() != tables.digest()
    for name in TABLE_FILES:
        shutil.copy(CONFIG / name, tmp_path / name)
    assert load_tables(tmp_path).digest() == tables.digest()   # the content counts, not where it is
    seen = {tables.digest()}
    for name in TABLE_FILES:   # an edit to any table file changes it (the classifier's cache key)
        with (tmp_path / name).open("a", encoding="utf-8") as f:
            f.write("\n# an edit\n")
        seen.add(load_tables(tmp_path, with_cities=False).digest())
    assert len(seen) == 1 + len(TABLE_FILES)


def test_tables_are_package_data_and_an_override_folder_may_lack_the_wordlike_list(tmp_path):
    assert packaged_tables_dir() == CONFIG
    assert wordlike_path(tmp_path) == CONFIG / WORDLIKE_FILE
    (tmp_path / WORDLIKE_FILE).write_text("# none\n", encoding="utf-8")
    assert wordlike_path(tmp_path) == tmp_path / WORDLIKE_FILE


# --- invalid tables: each names file, line and key ----------------------------------------
INVALID = [
    ("regions.yaml", "countries: [ML, BF, NE, TD, MR]", "countries: [ML, BF, NE, TD, ZZ]",
     "ZZ", "sahel.countries[4]: unknown country code 'ZZ' (not in countries.yaml)"),
    ("regions.yaml", "'NO', PL", "NO, PL", "NO, PL", "YAML read a bare NO (Norway) as false"),
    ("regions.yaml", "  countries: [DZ, LY, MA, MR, TN, EH]\n", "", "maghreb:",
     "maghreb: required key `countries` is missing"),
    ("regions.yaml", "en: [Maghreb]", "en: [Maghreb, Morocco]", "Morocco",
     "'Morocco' (en) is a name of the country MA"),
    ("actors.yaml", "    nationality: RU\n    role: official\n    title: Minister of Foreign Affairs",
     "    nationality: RU\n    role: minister\n    title: Minister of Foreign Affairs", "role: minister",
     "actors[1].role: unknown role (allowed: official, head-of-state, head-of-government, diplomat, military, militia, un-official)"),
    ("actors.yaml", "    nationality: BY", "    nationality: XX", "nationality: XX",
     "unknown country code 'XX'"),
    ("actors.yaml", "  - id: lavrov\n    name: Sergey Lavrov\n    nationality: RU\n", "  - id: lavrov\n    name: Sergey Lavrov\n",
     "- id: lavrov", "actors[1]: required key `nationality` is missing (only an armed group, role militia"),
    ("actors.yaml", "en: [Sergey Lavrov, Sergei Lavrov, Lavrov]", "en: [Sergey Lavrov, Putin]",
     "Sergey Lavrov, Putin", "'Putin' (en) is already a name of putin"),
    ("actors.yaml", "  general: military", "  generalissimo: military", "generalissimo",
     "roles_for_titles.generalissimo: not one of role_patterns.titles"),
    ("countries.yaml", "    es: [Mali, Malí", "    es: [Chad, Malí", "[Chad, República del Chad",
     "TD.names.es[0]: 'Chad' (es) is already a name of ML"),  # ML comes first: TD is the 2nd claim
    ("countries.yaml", "\n'NO':\n", "\nNO:\n", "NO:", "YAML read a bare NO (Norway) as false"),
    ("countries.yaml", "    Chad: also a given name", "    Chadd: also a given name", "Chadd:",
     "TD.ambiguous.Chadd: not one of this entry's names"),
    ("topics.yaml", "    visit:\n      name: Visit", "    visit:\n      nom: Visit", "nom: Visit",
     "diplomacy.subtopics.visit.nom: unknown key"),
    ("topics.yaml", "    es: [diplomacia", "    xx: [diplomacia", "xx: [diplomacia",
     "diplomacy.terms.xx: unknown language"),
    ("topics.yaml", "  en: [heart attack,", "  xx: [heart attack,", "xx: [heart attack,",
     "event_lookalikes.xx: unknown language"),
]


@pytest.mark.parametrize("file,old,new,marker,message", INVALID, ids=[f"{c[0]}:{c[4][:40]}" for c in INVALID])
def test_invalid_tables_point_at_file_and_line(tmp_path, file, old, new, marker, message):
    for name in TABLE_FILES:
        shutil.copy(CONFIG / name, tmp_path / name)
    path = tmp_path / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}: {old!r}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_tables(tmp_path)
    issue = next((i for i in err.value.issues if message in str(i)), None)
    assert issue is not None, str(err.value)
    assert issue.file == str(path)
    expected_line = next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)
    assert issue.line == expected_line, str(issue)
    assert f"{path}:{expected_line}" in str(err.value)


def test_yaml_syntax_errors_and_missing_files_are_config_errors(tmp_path):
    for name in TABLE_FILES:
        shutil.copy(CONFIG / name, tmp_path / name)
    (tmp_path / "topics.yaml").write_text("diplomacy: [unclosed\n", encoding="utf-8")
    (tmp_path / "actors.yaml").unlink()
    with pytest.raises(ConfigError) as err:
        load_tables(tmp_path)
    text = str(err.value)
    assert "topics.yaml:" in text and "invalid YAML" in text
    assert "actors.yaml: file not found" in text


# --- cities ---------------------------------------------------------------------------------
def test_sahel_capitals(cities):
    for name, code in SAHEL_CAPITALS.items():
        city = next(c for c in cities if c.name == name)
        assert city.country == code and city.capital, city
        assert any(CYRILLIC.search(n) for n in city.names), city.names
        assert any(ARABIC.search(n) for n in city.names), city.names
    bamako = next(c for c in cities if c.name == "Bamako")
    assert {"Бамако", "باماكو", "بامكو"} <= set(bamako.names)  # the last: a press spelling GeoNames lacks
    assert "انواكشوط" in next(c for c in cities if c.name == "Nouakchott").names


def test_one_capital_per_country(cities):
    capitals = [c.country for c in cities if c.capital]
    assert len(capitals) == len(set(capitals)) > 230
    washington = next(c for c in cities if c.capital and c.country == "US")
    assert washington.name == "Washington"


def test_no_codes_or_romanised_junk_among_city_names(cities):
    bamako = next(c for c in cities if c.name == "Bamako")
    niamey = next(c for c in cities if c.name == "Niamey")
    assert "BKO" not in bamako.names and "NIM" not in niamey.names
    assert not {"ba ma ke", "bmqw", "bamako"} & set(bamako.names)
    codes = [(c.name, n) for c in cities for n in c.names[1:] if re.fullmatch(r"[A-Z]{2,4}", n)]
    assert codes == []
    lowercase_latin = [(c.name, n) for c in cities for n in c.names[1:] if re.match(r"[a-z]", n)]
    assert lowercase_latin == []


def test_ambiguous_city_names_are_kept_for_the_resolver(cities):
    present = {(c.name, c.country) for c in cities}
    assert {("Reading", "GB"), ("Mobile", "US"), ("Nice", "FR")} <= present


def test_min_population(cities):
    big = load_cities(100_000)
    assert all(c.population >= 100_000 or c.capital for c in big)
    assert len(big) < len(cities) and all(c.population >= 15000 or c.capital for c in cities)


def test_generated_countries_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_gazetteer.py"), "--check"],
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
