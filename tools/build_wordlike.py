"""Write newswatch/classify/data/wordlike-city-names.tsv: city names that are also common words.

A city name that is a frequent word in en/fr/de/es/pt/it ("Man", "Can",
"Union", "Summit") — or an alternate name that is one ("Sale" for Salé,
Arabic «قوم» "nation" for Qom) — only tags its city when the item also names
the city's country (newswatch/classify/places.py rule 5).
Cities of a million people or more are left out: their names are what the
word means ("Paris", "London"); and a city's own name is not checked in its
country's own languages, where it is frequent because it is the city ("Mainz",
"Lisboa"). Arabic-script and Cyrillic names are checked against ar/ru/fa/ur.

Frequencies come from the `wordfreq` package (a dev-time tool only, not a
runtime dependency): `pip install wordfreq && python tools/build_wordlike.py`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import wordfreq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from newswatch.classify.tables import load_cities  # noqa: E402

LANGS = ("en", "fr", "de", "es", "pt", "it")
OTHER_SCRIPT_LANGS = ("ar", "ru", "fa", "ur")   # Arabic-script and Cyrillic names
OTHER_SCRIPT_ZIPF = 4.3                           # «قوم» (nation) for Qom, «سنه» (year) for Sanandaj
ISO3 = {"eng": "en", "fra": "fr", "deu": "de", "spa": "es", "por": "pt", "ita": "it", "ara": "ar", "rus": "ru",
        "fas": "fa", "urd": "ur"}
COUNTRIES = Path(__file__).resolve().parents[1] / "tests" / "data" / "gazetteer" / "mledoze__countries.json"
PRIMARY_ZIPF = 4.3     # a city's own name must be a really common word
ALTERNATE_ZIPF = 4.0   # an alternate name (only indexed for big cities and capitals) too
BIG_CITY = 1_000_000
# In the city's own languages a name is checked too, against a higher bar, when the town is small:
# no town of 25,000 makes its name as frequent as «إطار» ("framework", zipf 4.85) for Atar.
SMALL_CITY, OWN_ZIPF = 200_000, 4.8
OUT = Path(__file__).resolve().parents[1] / "newswatch" / "classify" / "data" / "wordlike-city-names.tsv"
# Read by hand (2026-12-07): names frequent because they ARE the city, in a language the frequencies above do
# not know as the city's own (Geneva's «جنيف» in Arabic, "Genf" in German: mledoze lists Swiss German, not
# German; Manchester and Liverpool in Arabic; Gaza in Arabic «غزه», Urdu and Russian, where "газа" is
# also "gas" but a lowercase word never tags a place; Jerusalem's, Herat's and Najaf's Persian/Urdu names;
# «Вашингтон» and «واشنطن», the latter one of cities.CITY_ALIASES). Left out: flagged, each would need its country named (Arabic reports of Geneva talks rarely
# name Switzerland, and Manchester fell to Manchester, New Hampshire).
NOT_WORDS = {(2660646, "Genf"), (2660646, "جنيف"), (2660646, "ژنو"), (2643123, "مانشستر"), (2644210, "ليفربول"),
             (281133, "Газа"), (281133, "غزه"), (281133, "غزہ"), (281184, "قُدس"), (281184, "یروشلم"),
             (1140026, "هرات"), (98860, "نجف"), (4140963, "Вашингтон"), (4140963, "واشنطن")}
# And the reverse, read by hand from the cities' Arabic-script names that are frequent Arabic words once
# normalized (wordfreq ar zipf >= 4.0; a city of a million or more is never checked, nor a name in its
# country's own language): «المدينة» "the city" (Medina, and Al Madinah in Iraq), «ميدان» "square" (Medan),
# «مشهد» "scene", Kyiv's Persian «کیف» which is Arabic «كيف» "how", «الجديدة» "the new" (El Jadida), «الجزيرة»
# "the island" (Algiers), «العين» "the eye" (Al Ain), «سلطات» "authorities" (Settat), «معسكر» "camp" (Mascara),
# «الزاوية» "the corner", «الزرقاء» "the blue", «بأنه» "that it" (Baneh), «لأول» "for the first" (Laval),
# «القائم» "acting" (Al Qaim), «ربك» "your lord" (Kosti, Rabak), «(و)كالة» "agency" (Calais), «جنة» "paradise"
# (Djenné), «كونا» the Kuwait News Agency (Kuna, Idaho) and others of the kind. A second reading (zipf >= 3.8,
# cities of 100,000 or more, the big ones and those of Arabic-speaking countries included) added «بحري» "naval"
# (Khartoum North), «بورصة» "stock exchange" (Bursa), «كورونا» (Corona, California), «ديلي» as in "Daily Mail"
# (Dili), «كوت» as in Côte d'Ivoire (Al-Kut), «بركان» "volcano" (Berkane), «سلالة» "strain" (Salalah), «الوادي»
# "the valley" (El Oued), «الابيض» "the white" (El Obeid), «انتبه» "watch out" (Entebbe), «عشاق» "lovers" (Uşak),
# «رياض» "gardens" and a first name (Riyadh is «الرياض»), names of people and brands (Vladimir, Bolton, Tyler,
# Batman, Toyota) and others of the kind. Not «جده» "his grandfather": normalized, it is «جدة» Jeddah. And
# «سيول» "torrents, floods" (Seoul), in every report of a flood.
ALSO_WORDS = {(1835848, "سيول"), (89055, "البيضاء"), (89055, "البیضاء"), (92138, "القائم"), (98156, "بحركة"), (99106, "المدينة"),
              (99131, "كوت"), (99344, "الهندية"), (99608, "العمارة"), (99608, "العماره"), (100425, "ينبع"),
              (106281, "حائل"), (108410, "رياض"), (109223, "المدينة"), (109223, "مدينه"),
              (109223, "مدینه"), (116996, "سارى"), (116996, "ساري"), (117574, "سنە"), (120292, "قدس"),
              (124665, "مشهد"), (141584, "بانه"), (142363, "بابل"), (143534, "آمل"),
              (233508, "انتبه"), (250090, "الزرقاء"), (250090, "زرقاء"), (285629, "حولي"), (285629, "حولی"),
              (285629, "حَوَلِّي"), (286621, "سلالة"), (292913, "العين"), (292913, "العین"), (298299, "عشاق"),
              (321836, "باتمان"), (321836, "بتمن"), (350203, "رشيد"), (363885, "واو"), (368277, "ربك"),
              (368277, "ربک"), (371760, "ربك"), (379003, "الابيض"), (379251, "بحري"), (473247, "فلاديمير"),
              (602150, "یوميا"), (703448, "کیف"), (750269, "بورصة"), (750269, "بورصه"), (1164408, "سکر"),
              (1214520, "ميدان"), (1218667, "ماری"), (1254661, "تاني"), (1516905, "طراز"), (1645457, "ديلى"),
              (1645457, "ديلي"), (1786770, "یبین"), (1808722, "خفي"), (1849814, "تويوتا"), (1855612, "نارا"),
              (2216885, "الزاوية"), (2218970, "الزاوية"), (2218970, "الزاویه"), (2219905, "الخمس"),
              (2219905, "الخُمس"), (2219936, "الجميل"), (2330100, "مينا"), (2347283, "بنين"), (2425791, "سار"),
              (2425791, "سارة"), (2425791, "ساره"), (2458589, "جنه"), (2463447, "داخله"),
              (2473744, "الحمامات"), (2482572, "سعيدة"), (2490098, "معسكر"), (2497411, "الوادي"),
              (2505530, "بشار"), (2507480, "الجزيره"), (2507480, "الجزیره"), (2522258, "البسيط"),
              (2537406, "سلطات"), (2550078, "الجديدة"), (2550078, "الجدیده"), (2555467, "بركان"),
              (2655237, "بولتون"), (2923544, "فورت"), (3029162, "کاله"), (3054667, "بودا"), (4459467, "كاري"),
              (4563243, "كارولينا"), (4738214, "تايلر"), (5106834, "البنی"), (5339631, "كورونا"),
              (5597955, "كونا"), (6050610, "لاول"), (12451089, "العبور")}


def own_languages() -> dict[str, set[str]]:
    """Country code -> its official languages among LANGS (a city's name is frequent in its own language)."""
    data = json.loads(COUNTRIES.read_text(encoding="utf-8"))
    return {c["cca2"]: {ISO3[code] for code in (c.get("languages") or {}) if code in ISO3} for c in data}


def zipf(word: str, skip: set[str] = frozenset(), langs: tuple[str, ...] = LANGS) -> float:
    return max((wordfreq.zipf_frequency(form, lang) for form in spellings(word) for lang in langs
                if lang not in skip), default=0.0)


def spellings(word: str) -> set[str]:
    """The word and, in Arabic script, the spellings the classifier's normalization makes it equal to
    (hamza on or under the first alef, final ta marbuta written ه, final alef maqsura / ya): the
    GeoNames «دوله» (Dhule) and «اطار» (Atar) are the everyday words «دولة» (state) and «إطار»
    (framework) once normalized, and must be judged by those words' frequency."""
    forms = {word}
    if word[:1] == "ا":
        forms |= {a + word[1:] for a in "أإآ"}
    for form in list(forms):
        if form.endswith("ه"):
            forms.add(form[:-1] + "ة")
        elif form.endswith("ي"):
            forms.add(form[:-1] + "ى")
        elif form.endswith("ى"):
            forms.add(form[:-1] + "ي")
    return forms


def main() -> None:
    rows = set()
    own = own_languages()
    for city in load_cities(15000):
        if city.population >= BIG_CITY:
            continue
        skip = own.get(city.country, set())  # a city's names are frequent in its own languages
        for name in city.names:
            if " " in name:
                continue
            if not name.isascii():
                if zipf(name.lower(), skip, OTHER_SCRIPT_LANGS) >= OTHER_SCRIPT_ZIPF or (
                        city.population < SMALL_CITY and zipf(name.lower(), set(), OTHER_SCRIPT_LANGS) >= OWN_ZIPF):
                    rows.add((city.geonameid, name))
                continue
            primary = name == city.name
            if zipf(name.lower(), skip) >= (PRIMARY_ZIPF if primary else ALTERNATE_ZIPF):
                rows.add((city.geonameid, name))
    rows = (rows - NOT_WORDS) | ALSO_WORDS
    header = ("# City names that are also common words: they tag their city only when the item names its\n"
              "# country too. Generated by tools/build_wordlike.py (word frequencies: wordfreq); editable.\n"
              "# geonameid<TAB>name\n")
    OUT.write_text(header + "".join(f"{gid}\t{name}\n" for gid, name in sorted(rows)), encoding="utf-8")
    print(f"{len(rows)} names -> {OUT}")


if __name__ == "__main__":
    main()
