"""The event extractor (newswatch/classify/events) on real text: the hand-labelled sentences of
tests/data/events/sentences.jsonl (328 real sentences, 10 types x 4 languages, sources noted, labelled
before any extractor existed; guide: tests/data/events/README.md) and the founding set's labels
(visits_labels.jsonl over tests/data/collected/visits.jsonl).

The extractor's cues and mechanisms were tuned on the `dev` half only; `heldout` was scored, not tuned on.
Thresholds guard the levels reached (printed with `pytest -s`); a change may raise them, never lower them.
Scoring: tests/support/event_scoring.py (`PYTHONPATH=. python3 -m tests.support.event_scoring dev -v`).
"""
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from tests.support.event_scoring import ATTRIBUTES, score_founding, score_sentences
from tests.support.event_sentences import LANGS, TYPES, load_sentences

ROOT = Path(__file__).resolve().parents[3]
# (set, split) -> (types precision, types recall, who, where, destination, modality, when); reached:
#   sentences  dev     P 0.92 R 0.92, who 0.81, where 0.89, destination 0.92, modality 0.94, when 0.93
#              heldout P 0.83 R 0.79, who 0.73, where 0.81, destination 0.94, modality 0.89, when 0.86
#   sentences2 (176 rows labelled blind in session 7, see the README; before that session's fixes: dev P 0.77 R 0.72,
#              who 0.75, where 0.80, destination 0.88, modality 0.83, when 0.85; heldout P 0.81 R 0.71, who 0.72,
#              where 0.80, destination 0.95, modality 0.84, when 0.81)
#              dev     P 0.86 R 0.80, who 0.79, where 0.83, destination 0.88, modality 0.91, when 0.91
#              heldout P 0.82 R 0.74, who 0.73, where 0.81, destination 0.95, modality 0.83, when 0.83
LEVELS = {("sentences.jsonl", "dev"): (0.89, 0.9, 0.78, 0.85, 0.9, 0.92, 0.9),
          ("sentences.jsonl", "heldout"): (0.8, 0.75, 0.7, 0.78, 0.9, 0.86, 0.83),
          ("sentences2.jsonl", "dev"): (0.82, 0.75, 0.77, 0.79, 0.85, 0.88, 0.88),
          ("sentences2.jsonl", "heldout"): (0.78, 0.71, 0.7, 0.78, 0.9, 0.78, 0.8)}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from newswatch.classify.classifier import Classifier
    return Classifier.from_config_dir(ROOT / "newswatch" / "classify" / "data",
                                      cache_dir=tmp_path_factory.mktemp("nwcache"))


def test_the_labelled_set_covers_every_type_in_every_language():
    rows = load_sentences()
    for split in ("dev", "heldout"):
        cells = {(e["type"], r["lang"]) for r in rows if r["split"] == split for e in r["events"]}
        assert cells >= {(t, lang) for t in TYPES for lang in LANGS}, split
    assert all(r["source"] for r in rows)
    # the second set: every type in every language, over both halves; a quarter negatives or more per language
    second = load_sentences("sentences2.jsonl")
    assert {(e["type"], r["lang"]) for r in second for e in r["events"]} >= {(t, lang) for t in TYPES for lang in LANGS}
    for lang in LANGS:
        mine = [r for r in second if r["lang"] == lang]
        assert len(mine) >= 40 and sum(not r["events"] for r in mine) >= 10, lang


def second_set_row(rid: str) -> tuple[str, str, date | None]:
    """A row of tests/data/events/sentences2.jsonl (real text, its source in the row): text (with its
    context before it, as the scorer reads it), language, published day."""
    row = next(r for r in load_sentences("sentences2.jsonl") if r["id"] == rid)
    text = f"{row['context']} {row['text']}" if row.get("context") else row["text"]
    return text, row["lang"], date.fromisoformat(row["published"]) if row.get("published") else None


@pytest.mark.parametrize("name, split", sorted(LEVELS))
def test_types_and_roles_on_labelled_sentences(classifier, name, split):
    scores = score_sentences(classifier, split, name)
    print(f"\n{name} {split}\n{scores.table()}")
    precision, recall = scores.overall()
    want = LEVELS[(name, split)]
    assert precision >= want[0] and recall >= want[1], (precision, recall)
    for attribute, level in zip(ATTRIBUTES, want[2:]):
        assert scores.accuracy(attribute) >= level, (attribute, scores.accuracy(attribute))
    # every type is found in every language on the first set's tuned half
    if (name, split) == ("sentences.jsonl", "dev"):
        missing = [(t, lang) for t in TYPES for lang in LANGS if scores.cell(t, lang)[1] == 0]
        assert not missing, missing


def test_founding_event_condition_per_language_and_no_lookalike(classifier):
    """A visit that happened, by a Russian official, to or in a Sahel capital or country, decided by the
    events alone, on all 297 founding rows: the look-alikes (travel to Moscow, planned visits, visits
    elsewhere, Western officials in Bamako) are rejected without any hand-written exception."""
    founding = score_founding(classifier)
    print("\n" + founding.table())
    for lang in LANGS:
        precision, recall = founding.figures(lang)
        assert precision >= 0.95 and recall >= 0.9, (lang, precision, recall)
    assert founding.lookalikes >= 150 and founding.lookalikes_accepted == []


def events_of(classifier, text, lang, published=date(2023, 2, 7)):
    return classifier.classify("", text, declared_lang=lang, published=published).events


# First sentences of real reports (tests/data/collected/visits.jsonl, line and source in the comment)
@pytest.mark.parametrize("text, lang, where", [
    # line 2, sputniknews.com 2023-02-07
    ("Russian Foreign Minister Sergey Lavrov arrived in the Malian capital Bamako with a visit to hold talks on "
     "Tuesday with interim president for a transitional period Assimi Goyta and Foreign Minister Abdoulaye Diop",
     "en", "2460596"),
    # line 30, africanews.com 2025-06-23: Moscow is where Goïta goes
    ("Mali’s transitional president, General Assimi Goïta, arrived in Moscow on Sunday on a five-day official "
     "visit the invitation of his Russian counterpart, Vladimir Putin.", "en", "524901"),
    # line 74, news.abamako.com 2023-02-07
    ("Le Ministre des Affaires étrangères de la Fédération de Russie, à la tête d'une forte délégation, est arrivé "
     "ce lundi soir à Bamako pour une visite d'amitié et de travail.", "fr", "2460596"),
    # line 109, news.abamako.com 2025-06-22
    ("Le Président de la Transition, Chef de l'État, Son Excellence, le Général d'Armée Assimi GOÏTA est arrivé "
     "ce dimanche 22 juin 2025, à Moscou en Russie.", "fr", "524901"),
])
def test_a_visit_names_who_and_its_destination(classifier, text, lang, where):
    [visit] = [e for e in events_of(classifier, text, lang) if e.type == "visit"]
    assert [p.id for p in visit.where if p.role == "destination"][:1] == [where], visit.where
    assert visit.modality == "happened" and visit.who


def test_modality_and_when(classifier):
    # line 96, news.abamako.com 2023-02-04: announced for Monday 6 February
    text = ("Un an après la visite du ministre des Affaires étrangères, Abdoulaye Diop à Moscou, son homologue russe "
            "Sergueï Lavrov est attendu à Bamako le lundi 06 février 2023 pour une visite de 48h.")
    planned = [e for e in events_of(classifier, text, "fr", date(2023, 2, 4))
               if e.type == "visit" and any(p.id == "2460596" for p in e.where)]
    assert [(e.modality, e.when) for e in planned][:1] == [("planned", "2023-02-06")], planned
    # line 97, news.abamako.com 2023-02-04 (a Saturday): "ce lundi" is the coming Monday
    text = "Le ministre russe des Affaires étrangères, Sergueï Lavrov, est attendu à Bamako ce lundi pour une visite de 48 h."
    [visit] = [e for e in events_of(classifier, text, "fr", date(2023, 2, 4)) if e.type == "visit"]
    assert (visit.modality, visit.when) == ("planned", "2023-02-06") and {p.nationality for p in visit.who} == {"RU"}


def test_a_published_datetime_counts_as_its_day(classifier):
    """A datetime is a date (its subclass), so callers pass one: "le 6 février" (no year) takes the year
    nearest the published day, and a datetime minus a date used to raise TypeError there."""
    text = "Sergueï Lavrov est attendu à Bamako le 6 février pour une visite de 48h."
    by_day = events_of(classifier, text, "fr", date(2023, 2, 4))
    by_time = events_of(classifier, text, "fr", datetime(2023, 2, 4, 17, 30, tzinfo=timezone.utc))
    assert [(e.type, e.when) for e in by_time] == [(e.type, e.when) for e in by_day]
    assert any(e.when == "2023-02-06" for e in by_day), [(e.type, e.when) for e in by_day]


def test_an_arabic_host_receiving_his_counterpart_names_the_guest(classifier):
    # line 152, alakhbar.info 2023-02-07 (dateline Bamako): «رئيس دبلوماسية روسي» is the foreign minister, not a
    # president; the host's sentence names the guest only as «نظيره الروسي» (his Russian counterpart), and
    # «وصل باماكو» (arrived in Bamako, no preposition) is where he went
    text = ("الأخبار (باماكو) - بدأ وزير الخارجية الروسي سيرغي لافروف زيارة صداقة وعمل لمالي، هي الأولى لرئيس دبلوماسية "
            "روسي إلى البلاد، وتأتي بعد تلقي مالي عدة مساعدات عسكرية من حليفها الجديد.\nونشر وزير الخارجية المالي "
            "عبد الله ديوب على \"تويتر\" صورا من استقباله لنظيره الروسي، مضيفا أنه وصل باماكو \"على رأس وفد هام\"، "
            "وأن زيارته تستمر ليومين.")
    began, arrived = [e for e in events_of(classifier, text, "ar") if e.type == "visit"]
    assert {(p.actor, p.nationality, p.role) for p in began.who} >= {("lavrov", "RU", "official")}
    assert "head-of-state" not in {p.role for p in began.who}, began.who
    assert {(p.actor, p.nationality, p.role) for p in arrived.who} == {("diop", "ML", "official"),
                                                                      (None, "RU", "official")}
    assert [(p.id, p.role) for p in arrived.where] == [("2460596", "destination")], arrived.where


def test_an_arabic_second_round_of_talks_is_no_election(classifier):
    """«الجولة الثانية» is a second round of anything (talks, matches, a tour): not an election cue on its own
    (tests/data/collected/events.jsonl line 18, Al Jazeera 2026-02-17: the second round of the US-Iran talks)."""
    text = ("انتهت عصر اليوم الثلاثاء في جنيف الجولة الثانية من المفاوضات بين إيران والولايات المتحدة، "
            "حسبما أعلن التلفزيون الإيراني.")
    types = {e.type for e in events_of(classifier, text, "ar", date(2026, 2, 17))}
    assert "talks" in types and "election" not in types, types


THREATS = [
    # tests/data/feeds/world-2026-02/time_world__9f9555d69283aeda.xml (TIME, January 2026)
    ("en", "The Trump Administration has threatened senior Iraqi politicians with sanctions on Iraq if Iran-backed "
           "armed groups are included in the next government, sources told", "sanction"),
    # letemps.ch/economie/limites-sanctions-contre-moscou (January 2022)
    ("fr", "Les menaces de nouvelles sanctions contre la Russie se sont faites encore plus pressantes à l’approche de "
           "la rencontre entre le secrétaire d’Etat américain Antony Blinken et son homologue russe Sergueï Lavrov ce "
           "vendredi à Genève.", "sanction"),
    # bel-news.com/?p=94974 (title)
    ("ru", "Трамп угрожает усилить санкции в отношении России", "sanction"),
    # voixdesdeuxrives.com 2025-11-17 (title)
    ("ar", "ترامب يهدد بعقوبات على كل دولة تتعامل تجارياً مع روسيا", "sanction"),
]


@pytest.mark.parametrize("lang, text, kind", THREATS, ids=[t[0] for t in THREATS])
def test_a_threat_is_no_event_of_its_type(classifier, lang, text, kind):
    """A cue a threat bears on tells no event: "threatened to impose a tariff" is no sanction, «menace de frapper»
    no attack (the labelled set's rule: es-0069 "threatened retaliatory sanctions" has no event)."""
    assert kind not in {e.type for e in events_of(classifier, text, lang)}


def test_a_threat_in_another_clause_leaves_the_event(classifier):
    """tests/data/feeds/world-2026-02/washingtonpost_world__4bf53cb602417030.xml: the talks happened; the attack
    is only threatened (it was read as an attack that happened, the item's main event)."""
    title = "Amid threat of U.S. attack, Iran nuclear talks proceed without breakthrough"
    text = ("The meeting Tuesday occurred against the backdrop of an expanded U.S. military presence in the Middle "
            "East, as President Donald Trump threatens to attack Iran if a deal cannot be reached.")
    found = classifier.classify(title, text, declared_lang="en", published=date(2026, 2, 17)).events
    assert {e.type for e in found} == {"talks"} and {e.modality for e in found} == {"happened"}, found
    # the French sentence above: the sanctions are threatened, the meeting in Geneva is still an event
    assert "talks" in {e.type for e in events_of(classifier, THREATS[1][1], "fr")}


def test_events_are_read_from_the_lead_not_the_background(classifier):
    """Dawn's full report of Yunus stepping down (tests/data/feeds/world-2026-02/dawn_world__ce5f942d1cd40fc0.xml,
    16 Feb 2026; 23 sentences): the news is in the headline and first sentences; the later ones are background
    (20: "lawmakers are expected to be sworn in on Tuesday, after which Tarique Rahman is set to become ... prime
    minister", 21: the campaign's dead), which was clustered as events of their own and drew other outlets' reports
    of the swearing-in to this item. Events are read from the first LEAD_SENTENCES sentences."""
    from newswatch.classify.events.extract import LEAD_SENTENCES, EventExtractor
    from workers.sources.feeds.parse import parse_feed
    feed = ROOT / "tests" / "data" / "feeds" / "world-2026-02" / "dawn_world__ce5f942d1cd40fc0.xml"
    item = next(i for i in parse_feed(feed.read_bytes(), feed.name).items if i.title.startswith("Bangladesh’s Yunus"))
    lead = classifier.classify(item.title, item.text, declared_lang="en", published=item.published)
    assert len(lead.sentences["text"]) > 20 and lead.events
    assert all(e.field == "title" or e.sentence < LEAD_SENTENCES for e in lead.events), lead.events
    saved = classifier.events.lead_sentences
    try:
        classifier.events.lead_sentences = 1000
        whole = classifier.classify(item.title, item.text, declared_lang="en", published=item.published)
    finally:
        classifier.events.lead_sentences = saved
    assert any(e.sentence >= 20 for e in whole.events if e.field == "text"), whole.events
    # the same events, but for dates: an undated event takes the date of a later report of it in the item
    # (discourse.inherit_dates), and the background holds some (20: "sworn in on Tuesday", Tarique Rahman named)
    def undated(events):
        return [(e.type, e.modality, e.who, e.where, e.field, e.sentence, e.start) for e in events]
    assert undated(e for e in whole.events if e.field == "title" or e.sentence < LEAD_SENTENCES) == undated(lead.events)
    with pytest.raises(ValueError, match="lead_sentences >= 1"):
        EventExtractor(lead_sentences=0)


# A condition is no event (the guide's negatives: hypotheticals); rows of the second labelled set (dev), sources there
CONDITIONS = [("es-5035", "sanction"), ("es-8037", "sanction")]


@pytest.mark.parametrize("rid, kind", CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_a_condition_is_no_event_of_its_type(classifier, rid, kind):
    """"…introduce a sanctions resolution if Burma's military regime failed to co-operate", «Если США введут
    санкции…»: modality `hypothetical` (topics.yaml), like a threat, tells no event. (Not yet: a condition whose
    clause holds commas, es-6003 «Si Lula, 77 ans, est élu, …»: the commas end the clause the cue is read in.)"""
    text, lang, published = second_set_row(rid)
    assert kind not in {e.type for e in events_of(classifier, text, lang, published)}


def test_a_condition_in_another_clause_leaves_the_event(classifier):
    """tests/data/events/sentences.jsonl es-0016 (CBS, 15 Feb 2026): the meeting happened; the deal is a
    condition ("if no deal was made") and no agreement."""
    text = ("President Trump met with Israeli Prime Minister Benjamin Netanyahu in December at Mar-a-Lago with Mr. "
            "Trump saying the U.S. would support strikes if no deal was made with Iran.")
    found = {(e.type, e.modality) for e in events_of(classifier, text, "en", date(2026, 2, 15))}
    assert ("talks", "happened") in found and not {t for t, _ in found} & {"agreement", "attack"}, found


LOOKALIKES = [
    ("es-5033", "en", "attack"),   # "suffered a heart attack yesterday"
    ("es-5037", "en", "attack"),   # "the Australian pace attack" (cricket)
]


@pytest.mark.parametrize("rid, lang, kind", LOOKALIKES, ids=[c[0] for c in LOOKALIKES])
def test_a_lookalike_tells_no_event(classifier, rid, lang, kind):
    """Words that hold a cue and tell no event (topics.yaml `event_lookalikes:`) hide the cue they hold."""
    text, lang, published = second_set_row(rid)
    assert kind not in {e.type for e in events_of(classifier, text, lang, published)}


def test_a_cyber_attack_is_no_attack_and_a_curfew_no_sanction(classifier):
    # tests/data/events/sentences.jsonl es-0046 (CBS, March 2018): the sanctions are the event
    text = ("The Treasury Department on Thursday announced a new round of sanctions against Russian persons and "
            "entities the U.S. government believes helped meddle in the 2016 elections and have engaged in cyber "
            "attacks.")
    types = {e.type for e in events_of(classifier, text, "en")}
    assert "sanction" in types and "attack" not in types, types
    # sauress.com/okaz/494965 (Okaz): Tunisia imposes a night curfew on Umm al-Araies after clashes
    text = ("قررت السلطات الأمنية التونسية فرض حظر التجول ليلاً ببلدة «أم العرايس» في محافظة قفصةجنوب غرب البلاد، "
            "عقب مواجهات عنيفة.")
    assert "sanction" not in {e.type for e in events_of(classifier, text, "ar")}


def test_a_purpose_leaves_the_arrival_that_happened(classifier):
    """akhbaar24.com (1 April 2023): «وصل ... إلى القاهرة لعقد مباحثات» — he arrived (happened) to hold talks (a
    purpose: planned, the guide's «لإجراء محادثات»). The purpose used to make the arrival planned too."""
    text = ("وصل وزير الخارجية السوري، فيصل المقداد، على رأس وفد دبلوماسي إلى القاهرة لعقد مباحثات مع نظيره "
            "المصري سامح شكري، في زيارة هي الأولى منذ سنوات.")
    found = {(e.type, e.modality) for e in events_of(classifier, text, "ar", date(2023, 4, 1))}
    assert found == {("visit", "happened"), ("talks", "planned")}, found


def test_a_planned_weekday_may_be_the_published_day_and_next_skips_it(classifier):
    """The guide: a planned event's weekday is the first on or after the published day; "next" skips that day.
    NPR, Tuesday 17 Feb 2026 (tests/data/feeds/world-2026-02): "will meet in Geneva Tuesday" is that day (the
    rule was "the next one after": a week later, out of the talks' cluster window)."""
    from newswatch.classify.events.dates import find_dates
    tuesday = date(2026, 2, 17)
    text = "Representatives for the U.S. and Iran will meet in Geneva Tuesday for a second round of nuclear talks."
    assert {(e.type, e.modality, e.when) for e in events_of(classifier, text, "en", tuesday)} == {
        ("talks", "planned", "2026-02-17")}
    assert [d for _, _, d in find_dates("They meet next Tuesday.", tuesday, ahead=True)] == [date(2026, 2, 24)]
    assert [d for _, _, d in find_dates("Ils se verront mardi prochain.", tuesday, ahead=True)] == [date(2026, 2, 24)]
    assert [d for _, _, d in find_dates("They met on Tuesday.", tuesday)] == [tuesday]
    # es-7001 (Tasnim, Friday 31 March 2023): «صباح غد السبت» is tomorrow, Saturday: planned
    text, lang, published = second_set_row("es-7001")
    assert {(e.type, e.modality, e.when) for e in events_of(classifier, text, lang, published)} == {
        ("talks", "planned", "2023-04-01"), ("visit", "planned", "2023-04-01")}


def test_clashes_shootouts_and_storming_are_attacks(classifier):
    # es-5013 (Reuters/Trust, 9 Oct 2015): "a shootout that killed 23 members of his entourage"
    text, lang, published = second_set_row("es-5013")
    assert {"attack", "death", "arrest"} <= {e.type for e in events_of(classifier, text, lang, published)}
    # es-7035 (arabiansea.co.uk): security services deny that gunmen stormed a police station in Aden («اقتحام»;
    # the denial, a dozen words and two commas before it, is not read: the label says denied, this says happened)
    text, lang, published = second_set_row("es-7035")
    assert "attack" in {e.type for e in events_of(classifier, text, lang, published)}


def test_a_region_is_no_nationality(classifier):
    """es-5005 (Al Arabiya, 6 Sep 2021): "…a coup in the West African country": the soldiers are Guinea's (the
    country the sentence names), never of the region "west-africa" (an n:WEST-AFRICA key had clustered them)."""
    text, lang, published = second_set_row("es-5005")
    found = events_of(classifier, text, lang, published)
    nationalities = {p.nationality for e in found for p in e.who}
    assert {"arrest", "coup"} <= {e.type for e in found} and "GN" in nationalities, found
    assert all(n is None or len(n) == 2 for n in nationalities), nationalities


def test_a_negation_right_before_a_cue_denies_it(classifier):
    """es-8005 (second set): «Лавров на похороны Макея не прилетел» (Lavrov did not fly in for Makei's funeral) is a
    visit denied; es-5027: "has denied reports that 25 soldiers were killed in a Boko Haram attack" denies the
    attack (a multi-word denial bears on the sentence after it, as an announcement does). Only a negation right
    before the cue counts: es-0310 «убиты не менее 17 солдат» ("no fewer than 17 soldiers killed") happened."""
    text, lang, published = second_set_row("es-8005")
    assert {(e.type, e.modality) for e in events_of(classifier, text, lang, published)} == {("visit", "denied")}
    text, lang, published = second_set_row("es-5027")
    assert ("attack", "denied") in {(e.type, e.modality) for e in events_of(classifier, text, lang, published)}
    text = "По данным AFP, убиты не менее 17 солдат и 36 добровольцев."
    assert {(e.type, e.modality) for e in events_of(classifier, text, "ru")} == {("death", "happened")}


def test_russian_future_verbs_and_next_week_are_planned(classifier):
    # tests/data/collected/visits.jsonl line 244 (Lavrov in Chad, 2024-06-05): «глава … встретится с президентом Чада»
    text = ("Визит носит краткосрочный характер - за несколько часов пребывания в столице страны - городе Нджамена "
            "глава российского дипломатического ведомства встретится с президентом Чада Махаматом Деби Итно и "
            "руководителем МИД А. Куламаллой.")
    assert ("talks", "planned") in {(e.type, e.modality) for e in events_of(classifier, text, "ru", date(2024, 6, 5))}
    # es-8027 (second set): «на следующей неделе объявят о введении новых … санкций»
    text, lang, published = second_set_row("es-8027")
    assert {(e.type, e.modality) for e in events_of(classifier, text, lang, published)} == {("sanction", "planned")}


def test_a_counterpart_is_an_official_and_a_passive_host_comes_after(classifier):
    """"his Malian counterpart", « son homologue iranien », «с кипрским коллегой» name an official of that country
    (actors.yaml role_patterns, as «نظيره» did in Arabic). es-6007 (second set): « a reçu mardi à La Mecque son
    homologue iranien » is talks, and the guest's visit; it had named nobody. tests/data/collected/visits.jsonl
    line 1: "Sergei Lavrov was welcomed at Modibo Keita International Airport by his Malian counterpart, Abdoulaye
    Diop": the auxiliary makes "welcomed" passive, its host after it: Lavrov visits Mali (read the other way round,
    the new official role had sent Diop to Russia)."""
    text, lang, published = second_set_row("es-6007")
    found = events_of(classifier, text, lang, published)
    talks = next(e for e in found if e.type == "talks")
    assert {(p.nationality, p.role) for p in talks.who} >= {("IR", "official"), ("SA", "official")}, talks.who
    visit = next(e for e in found if e.type == "visit")
    assert {p.nationality for p in visit.who} == {"IR"} and [p.country for p in visit.where] == ["SA"], visit
    text = "Sergei Lavrov was welcomed at Modibo Keita International Airport by his Malian counterpart, Abdoulaye Diop."
    [visit] = [e for e in events_of(classifier, text, "en", date(2023, 2, 7)) if e.type == "visit"]
    assert [p.actor for p in visit.who] == ["lavrov"] and [p.country for p in visit.where] == ["ML"], visit


def test_the_military_came_to_power_is_a_coup(classifier):
    # es-8021 (second set): «В Мьянме к власти пришли военные» (the military came to power in Myanmar)
    text, lang, published = second_set_row("es-8021")
    coup = [e for e in events_of(classifier, text, lang, published) if e.type == "coup"]
    assert [p.country for e in coup for p in e.where] == ["MM"], coup


def test_a_count_of_meetings_is_no_event(classifier):
    """The guide's aggregates ("met more than 15 times", «посетил страну четырежды»): es-5041 (second set): "Barack
    Obama met with Putin nine times, and there were 12 more meetings with Dmitry Medvedev" reports no one meeting.
    A date before a visit is no count: es-5004 "has postponed her March 28-31 visit" stays a visit."""
    text, lang, published = second_set_row("es-5041")
    assert events_of(classifier, text, lang, published) == []
    text, lang, published = second_set_row("es-5004")
    assert "visit" in {e.type for e in events_of(classifier, text, lang, published)}


def test_a_country_beside_another_events_noun_is_a_party_and_a_state_body_acts(classifier):
    """A country is an event's place when written against that event's own noun ("the Geneva talks"), not
    another's, and never across a comma: the Washington Post's title (tests/data/feeds/world-2026-02, 17 Feb 2026)
    "Amid threat of U.S. attack, Iran nuclear talks…" names the talks' parties (the threatened attack had made both
    countries places of the talks). A state body that is the subject of the event's verb acts for its country
    (es-0024 "Pentagon conducts strikes…"); one that speaks does not (tests/data/places_labelled/ar.jsonl line 5:
    «وصفت وزارة الخارجية الروسية … هجوم … في موسكو», Russia's ministry describing an attack on Moscow)."""
    found = classifier.classify("Amid threat of U.S. attack, Iran nuclear talks proceed without breakthrough", "",
                                declared_lang="en", published=date(2026, 2, 17)).events
    talks = [e for e in found if e.type == "talks"]
    assert talks and {p.nationality for p in talks[0].who} == {"US", "IR"} and talks[0].where == [], found
    for rid in ("es-0023", "es-0024"):   # "US kills 11 people in three strikes…", "Pentagon conducts strikes…"
        row = next(r for r in load_sentences("sentences.jsonl") if r["id"] == rid)
        attacks = [e for e in events_of(classifier, row["text"], "en", date(2026, 2, 17)) if e.type == "attack"]
        assert attacks and "US" in {p.nationality for p in attacks[0].who} and attacks[0].where == [], (rid, attacks)
    # CBS, 17 Feb 2026: "The U.S. is brokering a 3rd round of Russia-Ukraine talks": a hyphenated pair names parties
    found = classifier.classify("", "The U.S. is brokering a 3rd round of Russia-Ukraine talks, but there's little "
                                "hope of a breakthrough.", declared_lang="en", published=date(2026, 2, 17)).events
    talks = [e for e in found if e.type == "talks"]
    assert talks and {p.nationality for p in talks[0].who} == {"US", "RU", "UA"} and talks[0].where == [], found
    line = (ROOT / "tests/data/places_labelled/ar.jsonl").read_text(encoding="utf-8").splitlines()[4]
    attacks = [e for e in events_of(classifier, json.loads(line)["text"], "ar") if e.type == "attack"]
    assert attacks and "RU" not in {p.nationality for p in attacks[0].who}, attacks


def test_a_range_of_days_is_dated_by_its_first(classifier):
    """A visit announced for «с 22 по 26 июня» (tests/data/collected/visits.jsonl line 262, msknews77.ru, 17 Jun
    2025) begins on the 22nd, the day Goïta landed in Moscow: it was dated by the day beside the month, the 26th,
    out of the arrival reports' window (the labelled pair ep-203). The same in French, Arabic and English ranges
    (line 117: «du 27 au 28 Juillet»)."""
    rows = (ROOT / "tests/data/collected/visits.jsonl").read_text(encoding="utf-8").splitlines()
    for line, day in ((262, "2025-06-22"), (117, "2023-07-27")):
        row = json.loads(rows[line - 1])
        found = classifier.classify(row.get("title") or "", row["text"], declared_lang=row["lang"],
                                    published=date.fromisoformat(row["published"])).events
        assert found and {e.when for e in found if e.field == "text" and e.sentence == 0} == {day}, (line, found)
    for lang, text in (("fr", "Le président malien effectuera une visite en Russie du 22 au 26 juin."),
                       ("ar", "يزور الرئيس المالي روسيا من 22 إلى 26 يونيو."),
                       ("en", "Mali's president will visit Russia from 22 to 26 June.")):
        found = events_of(classifier, text, lang, date(2025, 6, 17))
        assert [e.when for e in found] == ["2025-06-22"], (lang, found)


def test_newly_elected_is_what_someone_is_not_a_vote(classifier):
    """«Les députés nouvellement élus ont prêté serment» (tests/data/collected/events.jsonl line 28, Anadolu, 17 Feb
    2026) and «il a rencontré le président nouvellement élu, Mahamat Idriss Déby Itno» (visits.jsonl line 83) tell
    no election (topics.yaml `event_lookalikes`); the meeting stays."""
    for name, line, kept in (("events.jsonl", 28, set()), ("visits.jsonl", 83, {"talks"})):
        row = json.loads((ROOT / "tests/data/collected" / name).read_text(encoding="utf-8").splitlines()[line - 1])
        found = {e.type for e in classifier.classify(row.get("title") or "", row["text"], declared_lang=row["lang"],
                                                     published=date(2026, 2, 17)).events}
        assert "election" not in found and kept <= found, (name, line, found)


def test_an_english_strike_by_a_state_or_that_kills_is_an_attack(classifier):
    """English "strike" is both a walkout and an armed strike (French, Russian and Arabic have a word for each).
    A state's strike, or one that kills or hits, is an attack: Dawn, 16 Feb 2026 (tests/data/feeds/world-2026-02)
    "Israeli strikes kill 12 more people"; the Post's "Mapping U.S. strikes in the Caribbean". A union's stays a
    protest: es-0030 "Germany: Lufthansa strike grounds hundreds of flights"; and a strike of fear is none (TIME:
    "Why Jimmy Lai's Sentencing in Hong Kong Strikes Fear in Taiwan")."""
    found = events_of(classifier, "Mapping U.S. strikes in the Caribbean and eastern Pacific", "en", date(2026, 2, 17))
    assert [e.type for e in found] == ["attack"], found
    found = events_of(classifier, "Israeli strikes kill 12 more people in Gaza, health officials say", "en",
                      date(2026, 2, 16))
    assert {e.type for e in found} == {"attack", "death"}, found
    found = events_of(classifier, "Germany: Lufthansa strike grounds hundreds of flights", "en", date(2026, 2, 12))
    assert {e.type for e in found} == {"protest"}, found
    found = events_of(classifier, "Why Jimmy Lai's Sentencing in Hong Kong Strikes Fear in Taiwan", "en",
                      date(2026, 2, 10))
    assert found == [], found


def test_arabic_ikaf_is_an_arrest(classifier):
    """es-7005 (second set, dev): special forces broke up a march «وايقاف عدد منهم» (and detained a number of them):
    «إيقاف» is an arrest, as «توقيف» was."""
    text, lang, published = second_set_row("es-7005")
    assert "arrest" in {e.type for e in events_of(classifier, text, lang, published)}


def collected_row(line: int) -> tuple[str, str]:
    """The text and language of line `line` (1-based) of tests/data/collected/visits.jsonl."""
    rows = (ROOT / "tests" / "data" / "collected" / "visits.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(rows[line - 1])
    return row["text"], row["lang"]


def test_a_prime_minister_is_a_head_of_government_who_hosts_and_no_visitor_of_a_president(classifier):
    """Prime ministers are `head-of-government` (actors.yaml, and the titles "prime minister", « premier ministre »,
    «премьер-министр», «رئيس الوزراء»; not their deputies). Like a head of state, one receives the officials of
    others at home, and two leaders meeting say no place: ABC News and Japan Today, 17 Feb 2026
    (tests/data/feeds/world-2026-02), "French President Emmanuel Macron met with India's Prime Minster Narendra Modi"
    had made Modi a visitor to France (Macron hosted him, the met_visit rule said; the visit was Macron's to
    India). Salifou Mody, Niger's defence minister («Салифу Моди», «ساليفو مودي»), is no Narendra Modi: the bare
    Russian and Arabic surname is not Modi's any more (collected visits.jsonl lines 239, 240)."""
    text = ("French President Emmanuel Macron met with India's Prime Minster Narendra Modi on Tuesday for bilateral "
            "talks aimed at deepening economic and strategic ties.")
    found = events_of(classifier, text, "en", date(2026, 2, 17))
    assert "visit" not in {e.type for e in found}, found
    talks = next(e for e in found if e.type == "talks")
    assert {(p.actor, p.role) for p in talks.who} == {("macron", "head-of-state"), ("modi", "head-of-government")}
    # a minister who meets a prime minister visits his country (a sentence written for the test: the title alone)
    found = events_of(classifier, "Премьер-министр Мали встретился с заместителем министра обороны России "
                                  "Юнус-Беком Евкуровым.", "ru", date(2023, 9, 16))
    visit = next(e for e in found if e.type == "visit")
    assert "yevkurov" in [p.actor for p in visit.who] and [p.country for p in visit.where] == ["ML"], visit
    assert ("ML", "head-of-government") in {(p.nationality, p.role) for e in found for p in e.who}, found
    # "PM" in capitals is a prime minister (in lower case a time of day), and a name owning another noun is no
    # visitor when someone else is named: Al-Monitor, 17 Feb 2026 (tests/data/feeds/world-2026-02), "Qatar PM arrives
    # in Venezuela on first trip since Maduro's ouster" had sent Maduro to Venezuela; DW, the same day, "Rubio has
    # backed Hungarian Prime Minister Viktor Orban's leadership during a visit to Budapest" (Orban is the host)
    [visit] = events_of(classifier, "Qatar PM arrives in Venezuela on first trip since Maduro's ouster", "en",
                        date(2026, 2, 17))
    assert [(p.actor, p.nationality, p.role) for p in visit.who] == [(None, "QA", "head-of-government")], visit
    found = events_of(classifier, "US Secretary of State Marco Rubio has backed Hungarian Prime Minister Viktor "
                                  "Orban's leadership during a visit to Budapest.", "en", date(2026, 2, 16))
    assert [p.actor for e in found if e.type == "visit" for p in e.who] == ["rubio"], found
    assert not [p for e in events_of(classifier, "The talks will begin at 5 pm Pakistan time.", "en") for p in e.who
                if p.role == "head-of-government"]
    # ... but stays the visitor when no one else is: collected visits.jsonl line 11, "the visit to Ougadougou was
    # part of Lavrov's African diplomatic tour"
    text, lang = collected_row(11)
    visit = next(e for e in events_of(classifier, text, lang, date(2024, 6, 5)) if e.cue == "visit")
    assert "lavrov" in {p.actor for p in visit.who}, visit
    # a deputy prime minister is an official («نائب رئيس الوزراء الروسي ألكسندر نوفاك», line 171)
    text, lang = collected_row(171)
    visit = next(e for e in events_of(classifier, text, lang) if e.type == "visit")
    assert {p.role for p in visit.who} == {"official"} and [p.country for p in visit.where] == ["ML"], visit
    for line in (239, 240):
        text, lang = collected_row(line)
        found = events_of(classifier, text, lang, date(2023, 12, 19))
        assert "modi" not in {p.actor for e in found for p in e.who}, found
        assert {"IN"}.isdisjoint(p.country for e in found for p in e.where), found
    visit = next(e for e in found if e.type == "visit" and e.cue == "принял")   # line 240: Mody received them
    assert {p.nationality for p in visit.who} == {"RU"} and [p.country for p in visit.where] == ["NE"], visit


def test_a_named_armed_group_is_a_party_in_every_language(classifier):
    """Named armed groups are actors (actors.yaml: Wagner, Africa Corps, Hamas, Hezbollah, the Houthis, the RSF,
    al-Shabaab, Boko Haram, M23), each with its country and role, so reports of one battle share an actor id
    across languages (collected visits.jsonl: 148 « la milice russe Wagner », 231 «مرتزقة من فاغنر», 291 «наемники
    ЧВК Вагнера»; they had named only "Russians"). A name hyphened onto a participle that qualifies another noun
    takes no part ("Hamas-run Gaza", "Hezbollah-linked gunmen"); a "Hamas-led attack" is Hamas's."""
    rows = (ROOT / "tests" / "data" / "collected" / "visits.jsonl").read_text(encoding="utf-8").splitlines()
    for line in (148, 231, 291):
        row = json.loads(rows[line - 1])
        found = classifier.classify(row["title"] or "", row["text"], declared_lang=row["lang"],
                                    published=date(2024, 7, 29)).events
        assert any(p.actor == "wagner-group" and p.nationality == "RU" and p.role == "militia"
                   for e in found if e.type in ("attack", "death") for p in e.who), (line, found)
    # an armed group arriving is a deployment, not a visit (the labelling guide): line 64, "The interim president's
    # visit to Moscow come shortly after Russia's paramilitary Wagner group was replaced in Mali by its successor
    # Africa Corps" is no visit of theirs, and Moscow stays its destination
    text, lang = collected_row(64)
    visit = next(e for e in events_of(classifier, text, lang, date(2025, 6, 23)) if e.type == "visit")
    assert not visit.who and ("524901", "destination") in {(p.id, p.role) for p in visit.where}, visit
    found = events_of(classifier, "A Hamas-led attack killed 1,200 people in Israel.", "en", date(2023, 10, 8))
    assert {p.actor for e in found for p in e.who} >= {"hamas"}, found
    for text in ("The health ministry in Hamas-run Gaza said an Israeli strike killed 14 Palestinians.",
                 "Hezbollah-linked gunmen attacked a convoy in Beirut."):
        found = events_of(classifier, text, "en", date(2026, 2, 17))
        assert found and not {"hamas", "hezbollah"} & {p.actor for e in found for p in e.who}, found
    # so is a country or a city: no party and no place ("Iran-backed" opening a text is no dateline either, while
    # "BAMAKO-Le président…" is one), but "-led" names a party that is not the place (sentences written for the test)
    found = events_of(classifier, "Iran-backed Houthi rebels attacked a ship in the Red Sea.", "en", date(2026, 2, 17))
    assert [p.actor for e in found for p in e.who if p.actor] == ["houthis"], found
    assert "IR" not in {p.nationality for e in found for p in e.who} | {p.country for e in found for p in e.where}
    found = events_of(classifier, "BAMAKO-Le président de la transition a reçu le ministre russe Lavrov.", "fr")
    assert {(p.id, p.role) for e in found if e.type == "visit" for p in e.where} == {("2460596", "destination")}, found
    found = events_of(classifier, "A London-based monitor said an airstrike killed 12 people in Idlib.", "en",
                      date(2026, 2, 17))
    assert {p.country for e in found for p in e.where} == {"SY"}, found
    attack = next(e for e in events_of(classifier, "A Saudi-led coalition strike killed 20 people in Yemen.", "en",
                                       date(2026, 2, 17)) if e.type == "attack")
    assert "SA" in {p.nationality for p in attack.who} and [p.country for p in attack.where] == ["YE"], attack
    # a group of no one state has no nationality: es-0231 (dev), «في هجوم نسب إلى مسلحين ينتمون لجماعة نصرة الإسلام
    # والمسلمين في وسط مالي» (an attack blamed on JNIM gunmen in central Mali)
    row = next(json.loads(line) for line in (ROOT / "tests" / "data" / "events" / "sentences.jsonl").read_text(
        encoding="utf-8").splitlines() if json.loads(line)["id"] == "es-0231")
    attack = next(e for e in events_of(classifier, row["text"], row["lang"]) if e.type == "attack")
    jnim = next(p for p in attack.who if p.actor == "jnim")
    assert (jnim.nationality, jnim.role) == (None, "militia") and [p.country for p in attack.where] == ["ML"], attack


def test_a_headline_infinitive_is_planned(classifier):
    """"X to meet Y", "to hold talks", "to sign", "to attend" tell what is to come (the labelling guide: es-5017
    "will travel to Tokyo next week to meet his Japanese counterpart" is planned talks, and so is the purpose of
    an arrival, collected visits.jsonl line 2: "arrived in the Malian capital Bamako with a visit to hold talks",
    labelled so in visits_labels.jsonl). NPR, 17 Feb 2026 (tests/data/feeds/world-2026-02): "US and Iran to meet
    for second round of nuclear talks" had been talks that happened; the arrival before a purpose still did."""
    [talks] = events_of(classifier, "US and Iran to meet for second round of nuclear talks", "en", date(2026, 2, 17))
    assert (talks.type, talks.modality) == ("talks", "planned"), talks
    text, lang = collected_row(2)
    found = {e.type: e.modality for e in events_of(classifier, text, lang, date(2023, 2, 7))}
    assert found["visit"] == "happened" and found["talks"] == "planned", found


def test_what_a_since_counts_from_is_no_event(classifier):
    """An event's noun after "since" (« depuis le », «с момента», «منذ») is the point a time is counted from, not
    news (tests/data/feeds/world-2026-02, 17 Feb 2026; sentence es-0245 of tests/data/events/sentences.jsonl, dev, is
    labelled with no event): DW's headline had been an attack by Germans in Gaza. What the sentence reports stays.
    Arabic «منذ» before a length of time is "ago" («منذ ساعات»: hours ago)."""
    assert events_of(classifier, "First German politician enters Gaza since October 7 attack", "en",
                     date(2026, 2, 17)) == []
    since_trip = ("There has been a spike in false information about Kenyan opposition leader Kalonzo Musyoka since "
                  "his trip to the US.")   # allAfrica / Africa Check
    assert [e.type for e in events_of(classifier, since_trip, "en", date(2026, 2, 17))] == []
    es_0245 = ("وذكرت وكالة الأنباء أن هذا يُعد أول إعلان علني عن اتصال على المستوى الرئاسي منذ الهجوم الأمريكي "
               "الإسرائيلي على إيران.")
    assert [e.type for e in events_of(classifier, es_0245, "ar", date(2026, 3, 10))] == []
    # the two below are written for this test: a visit before "since", and «منذ ساعات» ("hours ago")
    reported = ("Russian Foreign Minister Sergey Lavrov arrived in Bamako on Tuesday, his first visit since the "
                "2020 coup.")
    assert [e.type for e in events_of(classifier, reported, "en", date(2023, 2, 7))] == ["visit"]
    ago = "بدأت منذ ساعات زيارة وزير الخارجية الروسي سيرغي لافروف إلى باماكو."
    assert [(e.type, e.modality) for e in events_of(classifier, ago, "ar", date(2023, 2, 7))] == [("visit", "happened")]


def test_names_in_a_clause_after_every_cue_take_no_part(classifier):
    """A conjunction that opens a clause of its own after every cue of a sentence ("as Trump …", "but Tehran says",
    « alors que », «в то время как», «بينما») ends what the events' parties and places are read from. Japan Today's
    headline (tests/data/feeds/world-2026-02, 17 Feb 2026) had made Trump a party to the talks, Kyiv their place and
    Trump a visitor to Geneva; sentence es-0017 (tests/data/events/sentences.jsonl, dev) is labelled with the US and
    Hungary as the agreement's parties, not Trump and Orbán."""
    [talks] = events_of(classifier, "Ukraine, Russia hold peace talks in Geneva as Trump puts pressure on Kyiv", "en",
                        date(2026, 2, 17))
    assert talks.type == "talks" and {p.nationality for p in talks.who} == {"UA", "RU"}, talks.who
    assert [p.id for p in talks.where] == ["2660646"], talks.where
    [deal] = events_of(classifier, "U.S., Hungary sign civil nuclear deal as Trump deepens ties with Orbán", "en",
                       date(2026, 2, 16))
    assert deal.type == "agreement" and not {"trump", "orban"} & {p.actor for p in deal.who}, deal.who
    # "as well as" opens no clause (written for this test)
    [met] = [e for e in events_of(classifier, "Lavrov met Assimi Goïta in Bamako as well as Abdoulaye Diop.", "en")
             if e.type == "talks"]
    assert {"lavrov", "goita", "diop"} <= {p.actor for p in met.who}, met.who


def test_a_country_that_names_whose_people_is_no_place(classifier):
    """"US citizen", "US soldiers" (English; Russian «гражданин США») say whose people, not where: ABC News, 17 Feb 2026
    (tests/data/feeds/world-2026-02), "Costa Rican authorities investigate killing of US citizen in apparent robbery"
    had put the killing in the US. The US is a party now (the victim's country), no place."""
    [death] = events_of(classifier, "Costa Rican authorities investigate killing of US citizen in apparent robbery",
                        "en", date(2026, 2, 17))
    assert death.where == [] and {p.nationality for p in death.who} == {"CR", "US"}, (death.who, death.where)
    # written for this test: a place the preposition governs stays one
    [arrest] = events_of(classifier, "В Москве задержан гражданин США.", "ru", date(2026, 2, 17))
    assert [p.id for p in arrest.where] == ["524901"] and [p.nationality for p in arrest.who] == ["US"], arrest


def test_what_a_report_is_ahead_of_is_to_come(classifier):
    """An event's noun right after "ahead of" (« à la veille du », «قبيل») is to come: DW, 16 Feb 2026
    (tests/data/feeds/world-2026-02), "Rubio praises Orban and Hungary ahead of crunch election" had reported an
    election that happened. Only within a few words (sentence es-5019 of tests/data/events/sentences2.jsonl, dev:
    "ahead of the anniversary of the disputed Aug. 9, 2020 elections" is labelled an election that happened), and
    not for what comes before it."""
    [election] = events_of(classifier, "Rubio praises Orban and Hungary ahead of crunch election", "en",
                           date(2026, 2, 16))
    assert (election.type, election.modality) == ("election", "planned"), election
    es_5019 = ("Monday’s move comes just ahead of the anniversary of the disputed Aug. 9, 2020 elections that brought "
               "Lukashenko to power.")
    found = {e.type: e.modality for e in events_of(classifier, es_5019, "en", date(2021, 8, 9))}
    assert found.get("election") == "happened", found
    # written for this test: the arrival before "ahead of" happened
    found = {e.type: e.modality for e in events_of(classifier, "Lavrov arrived in Bamako ahead of talks with Goïta.",
                                                   "en", date(2023, 2, 7))}
    assert found == {"visit": "happened", "talks": "planned"}, found


def test_a_hyphened_pair_after_a_preposition_names_parties(classifier):
    """"in US-Iran nuclear talks": the preposition is the talks', the pair names their parties (a pair with no
    preposition already did). Al-Monitor, 17 Feb 2026 (tests/data/feeds/world-2026-02): the talks had been held in
    the US, with Iran alone."""
    [talks] = events_of(classifier, "Sharp warnings, entrenched red lines and rising military signaling reveal a shaky "
                        "path in US-Iran nuclear talks.", "en", date(2026, 2, 17))
    assert talks.where == [] and {p.nationality for p in talks.who} == {"US", "IR"}, (talks.who, talks.where)


def test_a_ruler_after_under_is_no_party(classifier):
    """"under Trump" (« sous », «при», «في عهد») says when: Al Jazeera, 17 Feb 2026 (tests/data/feeds/world-2026-02),
    "Mohsen Mahdawi, a Palestinian student activist, faced deportation proceedings amid a protest crackdown under
    Trump" had made Trump a protester."""
    text = ("Mohsen Mahdawi, a Palestinian student activist, faced deportation proceedings amid a protest crackdown "
            "under Trump.")
    [protest] = events_of(classifier, text, "en", date(2026, 2, 17))
    assert "trump" not in {p.actor for p in protest.who}, protest.who
