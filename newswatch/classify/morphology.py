"""Surface variants of dictionary terms: inflected forms, generated when the index is built.

`variants(term, lang, kind)` returns the term and its inflected forms, all in
normalized form (`normalize_term`), so the automaton matches «Лаврову» and
"maliennes" without any stemming at match time. Rules by suffix, no lexicon:
they cover the regular cases and over-generate a little (a form that never
occurs in text costs nothing). `kind` is one of:

* "name": a proper noun (surname, city, country);
* "adjective": a demonym adjective ("russe", «российский», «روسي»);
* "noun": a common noun or topic term;
* "phrase": several words; the inflectable head is inflected (ru: the leading
  adjectives and the first noun, «министр иностранных дел» -> «министра
  иностранных дел»; fr/es/pt/de: the words before the first function word;
  en: the last word, or the word before "of").

Languages: ru, fr, en, ar, es, pt, de; any other language gets the term alone.
"""
from __future__ import annotations

from itertools import product
from typing import Callable

from newswatch.classify.normalize import normalize_term

KINDS = ("name", "adjective", "noun", "phrase")
_Paradigm = dict[str, list[str]]  # case (or gender_case) -> forms
_Rules = tuple[tuple[str | tuple[str, ...], str], ...]  # (suffixes, changes), first match wins
_Generator = Callable[[str, str, str], set[str]]  # (term, normalized base, kind) -> forms

# --- Russian --------------------------------------------------------------------------------

_RU_VOWELS = "аеиоуыэюя"
_RU_CASES = ("nom", "gen", "dat", "acc", "ins", "pre")
# Adjective endings by stem class and gender, one entry per case of _RU_CASES ("/" = either).
_HARD = {"m": ("ый/ой", "ого", "ому", "ый/ой/ого", "ым", "ом"), "f": ("ая", "ой", "ой", "ую", "ой/ою", "ой"),
         "n": ("ое", "ого", "ому", "ое", "ым", "ом"), "p": ("ые", "ых", "ым", "ые/ых", "ыми", "ых")}
_VELAR = {"m": ("ий/ой", "ого", "ому", "ий/ой/ого", "им", "ом"), "f": _HARD["f"],
          "n": ("ое", "ого", "ому", "ое", "им", "ом"), "p": ("ие", "их", "им", "ие/их", "ими", "их")}
_SIBILANT = {"m": ("ий/ой", "его/ого", "ему/ому", "ий/ой/его/ого", "им", "ем/ом"),
             "f": ("ая", "ей/ой", "ей/ой", "ую", "ей/ой", "ей/ой"),
             "n": ("ее/ое", "его/ого", "ему/ому", "ее/ое", "им", "ем/ом"), "p": _VELAR["p"]}
_SOFT = {"m": ("ий", "его", "ему", "ий/его", "им", "ем"), "f": ("яя", "ей", "ей", "юю", "ей/ею", "ей"),
         "n": ("ее", "его", "ему", "ее", "им", "ем"), "p": _VELAR["p"]}
_GENDER_OF_ENDING = {"ый": "m", "ий": "m", "ой": "m", "ая": "f", "яя": "f", "ое": "n", "ее": "n",
                     "ые": "p", "ие": "p"}


def _ru_is_adjective(word: str, strict: bool) -> bool:
    """«российский», «новая», «арабские»; `strict` (names) leaves «Дмитрий», «Юрий» to the nouns."""
    if len(word) < 4 or word[-2:] not in _GENDER_OF_ENDING:
        return False
    if word.endswith("ий"):
        return word.endswith(("ский", "цкий")) if strict else word[-3] in "кгхжшчщн"
    if word.endswith("ие"):
        return word[-3] in "кгхжшчщ"  # «арабские»; «соглашение», «перемирие» are nouns
    return True


def _ru_adjective(word: str, genders: str | None = None) -> dict[str, list[str]]:
    stem, ending = word[:-2], word[-2:]
    last = stem[-1]
    table = (_VELAR if last in "кгх" else _SIBILANT if last in "жшчщ"
             else _SOFT if ending in ("ий", "яя", "ее") else _HARD)
    paradigm: dict[str, list[str]] = {}
    for gender in genders or _GENDER_OF_ENDING[ending]:
        for case, endings in zip(_RU_CASES, table[gender]):
            key = case if genders is None else f"{gender}_{case}"
            paradigm.setdefault(key, []).extend(stem + e for e in endings.split("/"))
    if genders is None:  # plural keys, to agree with a noun's plural in a phrase
        for case, endings in zip(_RU_CASES, table["p"]):
            if case != "acc":
                paradigm.setdefault(f"p_{case}", []).extend(stem + e for e in endings.split("/"))
    return paradigm


def _ru_noun(word: str, kind: str) -> dict[str, list[str]] | None:
    """Singular cases (and plural ones for common nouns) of a noun, by its ending."""
    def forms(stem: str, *endings: str) -> dict[str, list[str]]:
        return {case: [stem + e for e in ends.split("/")] for case, ends in zip(_RU_CASES, endings)}

    last, stem = word[-1], word[:-1]
    hushing = last in "жшчщц"
    if last not in _RU_VOWELS + "йь":
        p = forms(word, "", "а", "у", "/а", "ом/ем" if hushing else "ом", "е")
        if kind == "name" and word.endswith(("ов", "ев", "ин", "ын")):
            p["ins"].append(word + "ым")  # Лавровым, Путиным (Берлином is there too)
            p.update({"f_nom": [word + "а"], "f_obl": [word + "ой"], "f_acc": [word + "у"]})
        if word.endswith(("ец", "ок")) and len(word) > 4:  # fleeting vowel: немец -> немца
            for case, extra in forms(word[:-2] + last, "", "а", "у", "а", "ом/ем", "е").items():
                p[case] += extra[1:] if case == "nom" else extra
        if kind == "noun":
            p.update(_ru_plural(word, "и" if last in "гкхжшчщ" else "ы", "ей" if last in "жшчщ" else "ов"))
    elif last == "й":
        p = forms(stem, "й", "я", "ю", "й/я", "ем", "и/е" if word.endswith("ий") else "е")
        if kind == "noun":
            p.update(_ru_plural(stem, "и", "ев", soft=True))
    elif last == "ь":
        p = forms(stem, "ь", "я/и", "ю/и", "ь/я", "ем/ью", "е/и")
        if kind == "noun":
            p.update(_ru_plural(stem, "и", "ей", soft=True))
    elif last == "а":
        p = forms(stem, "а", "и" if stem[-1] in "гкхжшчщ" else "ы", "е", "у", "ой/ою/ей" if hushing else "ой/ою", "е")
        if word.endswith(("ова", "ева", "ина", "ына")):  # Захарова -> Захаровой
            for case in ("gen", "dat", "pre"):
                p[case].append(stem + "ой")
        if kind == "noun":
            p.update(_ru_plural(stem, "и" if stem[-1] in "гкхжшчщ" else "ы", ""))
    elif last == "я":
        p = (forms(stem, "я", "и", "и", "ю", "ей/ею", "и") if word.endswith("ия")
             else forms(stem, "я", "и", "е", "ю", "ей/ею", "е"))
        if kind == "noun":
            p.update(_ru_plural(stem, "и", "й" if word.endswith("ия") else "ь", soft=True))
    elif last in "ое" and kind == "noun":
        p = (forms(stem, "е", "я", "ю", "е", "ем", "и") if word.endswith("ие")
             else forms(stem, last, "а" if last == "о" else "я", "у" if last == "о" else "ю", last,
                        "ом" if last == "о" else "ем", "е"))
        p.update(_ru_plural(stem, "я" if last == "е" else "а", "й" if word.endswith("ие") else "",
                            soft=last == "е"))
    elif last == "ы" and len(word) > 3:  # plural names: Филиппины, Нидерланды; people: канадцы -> канадцев
        p = forms(stem, "ы", "/ев" if stem.endswith("ц") else "/ов", "ам", "ы", "ами", "ах")
    elif last == "и" and kind == "noun" and len(word) > 3:  # санкции
        p = forms(stem, "и", "й" if word.endswith("ии") else "/ей", "ям" if word.endswith("ии") else "ам",
                  "и", "ями" if word.endswith("ии") else "ами", "ях" if word.endswith("ии") else "ах")
    else:
        return None  # Бамако, Мали, Того, Перу: indeclinable
    return p


def _ru_plural(stem: str, nominative: str, genitive: str, soft: bool = False) -> dict[str, list[str]]:
    a = "я" if soft else "а"
    return {"p_nom": [stem + nominative], "p_gen": [stem + genitive], "p_dat": [stem + a + "м"],
            "p_ins": [stem + a + "ми"], "p_pre": [stem + a + "х"]}


def _ru_word(word: str, raw: str, kind: str, strict: bool) -> _Paradigm | None:
    """The paradigm of one word, or None when it does not inflect."""
    if len(word) < 2 or not word.replace("-", "").replace("'", "").isalpha() or (raw.isupper() and len(raw) > 1):
        return None  # МИД, США, НАТО, numbers
    if "-" in word:  # Нью-Йорк: the last part inflects; Буркина-Фасо does not
        head, _, tail = word.rpartition("-")
        paradigm = _ru_word(tail, raw.rpartition("-")[2], kind, strict)
        return {k: [f"{head}-{v}" for v in vs] for k, vs in paradigm.items()} if paradigm else None
    if _ru_is_adjective(word, strict):
        return _ru_adjective(word)
    return _ru_noun(word, kind)


def _combine(words: list[str], paradigms: list[_Paradigm | None]) -> set[str]:
    """Inflect the words together, case by case (only cases every inflecting word has)."""
    declined = [set(p) for p in paradigms if p is not None]
    out: set[str] = set()
    for key in set.intersection(*declined) if declined else ():
        choices = [[w] if p is None else p[key] for w, p in zip(words, paradigms)]
        out.update(" ".join(c) for c in product(*choices))
    return out


def _russian(term: str, base: str, kind: str) -> set[str]:
    words, raws = base.split(" "), term.split()
    if len(raws) != len(words):
        raws = words
    if len(words) == 1 and kind == "adjective" and _ru_is_adjective(words[0], False):
        return {f for forms in _ru_adjective(words[0], "mfnp").values() for f in forms}
    if kind == "name" or len(words) == 1:
        strict = kind == "name"
        return _combine(words, [_ru_word(w, r, kind, strict) for w, r in zip(words, raws)])
    head = 0  # phrase: the leading adjectives and the first noun inflect, the rest stays
    while head < len(words) - 1 and _ru_is_adjective(words[head], False):
        head += 1
    paradigms = [_ru_word(w, r, "noun", False) for w, r in zip(words[:head + 1], raws)]
    return {f"{form} {' '.join(words[head + 1:])}".strip() for form in _combine(words[:head + 1], paradigms)}


# --- Romance, Germanic, English ------------------------------------------------------------

_FUNCTION_WORDS = frozenset("de du des d la le les l a au aux en pour par sur et y del el los las para por "
                            "da do das dos em no na e of the der die das und von".split())
# Suffix rules: the first (suffixes, changes) whose suffix the word has gives its forms. Each
# change adds letters, after dropping one letter per leading "-": "-ux" makes journal -> journaux.
_FR_ADJECTIVE = ((("burkinabe", "swahili"), ""), ("e", "s"), (("en", "on"), "ne s nes"), ("el", "le s les"),
                 (("s", "x"), "e es"), ("al", "e es -ux"), ("", "e s es"))  # malien, français, national
_FR_NOUN = ((("s", "x", "z"), ""), ("al", "-ux"), (("eau", "au", "eu"), "x"), ("", "s"))
_ES_ADJECTIVE = (("o", "-a s -as"), (("a", "e"), "s"), (("i", "u"), "es s"), ("", "a es as"))  # español
_ES_NOUN = (("z", "-ces"), (tuple("aeiou"), "s"), ("", "es"))
_PT_NOUN = (("ao", "--aos --aes --oes"), (("al", "el", "ol", "ul"), "-is"), ("il", "-s"), ("m", "-ns"),
            (tuple("aeiou"), "s"), ("", "es"))
_PT_ADJECTIVE = (("ao", "- -s --aos --aes --oes"), ("o", "-a s -as"), ("es", "a as es"), ("ol", "a as -is"),
                 *_PT_NOUN)  # alemão -> alemã, francês -> francesa, espanhol -> espanhóis
_DE_ADJECTIVE = (("e", "n r s m"), ("", "e en er es em"))
_DE_NOUN = (("e", "n"), (("er", "el", "en"), "n s"), ("", "e en s es"))
_DE_NAME = ((("s", "x", "z"), ""), ("", "s"))


def _by_suffix(word: str, rules: _Rules) -> set[str]:
    for suffixes, changes in rules:
        if word.endswith(suffixes):
            return {word[:len(word) - len(c) + len(c.lstrip("-"))] + c.lstrip("-") for c in changes.split()}
    return set()


def _en_plural(w: str) -> set[str]:
    if w.endswith(("ese", "ss", "sh", "ch", "x", "z")):
        return {w + "es"} if not w.endswith("ese") else set()
    if w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        return {w[:-1] + "ies"}
    if w.endswith("is"):
        return {w[:-2] + "es"}
    if w.endswith("man"):
        return {w[:-3] + "men"}
    return set() if w.endswith("s") else {w + "s"}


def _inflect_head(base: str, inflect: Callable[[str], set[str]]) -> set[str]:
    """Apply `inflect` to each word before the first function word, all together."""
    words = base.split(" ")
    stop = next((i for i, w in enumerate(words) if w in _FUNCTION_WORDS or w[1:2] == "'"), len(words))
    if stop == 0:
        return set()
    choices = [sorted(inflect(w)) or [w] for w in words[:stop]]
    return {" ".join(c + tuple(words[stop:])) for c in product(*choices)}


def _european(adjective: _Rules, noun: _Rules, name: _Rules = ()) -> _Generator:
    rules = {"name": name, "adjective": adjective, "noun": noun, "phrase": noun}

    def generate(term: str, base: str, kind: str) -> set[str]:
        if " " not in base:
            return _by_suffix(base, rules[kind])
        return set() if kind == "name" else _inflect_head(base, lambda word: _by_suffix(word, noun))
    return generate


def _english(term: str, base: str, kind: str) -> set[str]:
    if kind == "name":
        return set()
    if kind == "adjective" and " " not in base:  # demonyms: Malians, Pakistanis; British, Chinese, Swiss stay
        return set() if base.endswith(("sh", "ch", "ese", "s", "x", "z")) else {base + "s"}
    words = base.split(" ")
    at = words.index("of") - 1 if "of" in words[1:] else len(words) - 1
    return {" ".join(words[:at] + [form] + words[at + 1:]) for form in _en_plural(words[at])}


# --- Arabic ---------------------------------------------------------------------------------

_AL = "ال"


def _arabic(term: str, base: str, kind: str) -> set[str]:
    first, _, rest = base.partition(" ")
    bare = first[2:] if first.startswith(_AL) and len(first) > 4 else first
    if kind == "adjective" and not rest:  # nisba: روسي، روسيه، الروسي، الروسيه; plural: المصريون، المصريين
        masc = bare[:-1] if bare.endswith("يه") else bare
        forms = {masc, masc + "ه"}
        if masc.endswith("ي") and len(masc) > 3:   # the sound plural: «المسؤولين المصريين», «خفر السواحل اليابانيون»
            forms |= {masc + "ون", masc + "ين", masc + "ات"}
        return forms | {_AL + f for f in forms}
    forms = {f"{bare} {rest}".strip()}
    if kind == "noun" and not rest:
        forms.add(_AL + bare)
    return forms


_GENERATORS: dict[str, _Generator] = {
    "ru": _russian, "en": _english, "ar": _arabic,
    "fr": _european(_FR_ADJECTIVE, _FR_NOUN), "es": _european(_ES_ADJECTIVE, _ES_NOUN),
    "pt": _european(_PT_ADJECTIVE, _PT_NOUN), "de": _european(_DE_ADJECTIVE, _DE_NOUN, _DE_NAME),
}


def variants(term: str, lang: str, kind: str) -> set[str]:
    """`term` and its inflected forms in `lang`, normalized; see the module docstring."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    base = normalize_term(term)
    if not base:
        return set()
    generate = _GENERATORS.get((lang or "").lower()[:2])
    forms = {base} | (generate(term.strip(), base, kind) if generate else set())
    return {form for form in map(normalize_term, forms) if form}
