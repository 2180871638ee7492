"""Closed word classes the event extractor reads just before a mention, per language.

These are grammar, not vocabulary: a few prepositions and pronouns per language, kept here as
code (the open lists — the cues of each event type — are data, in topics.yaml `events:`). All
entries are lowercase, accents kept; they are compared with the casefolded words that end right
before a place or start a sentence.
"""
from __future__ import annotations

# Words right before a place that make it where someone came FROM ("flew from Bamako to Moscow",
# «قادما من باماكو», «прибыл в Москву из Бамако»). Bare French "de" and Arabic "من" are left out:
# they are mostly "of" (« l'aéroport de Bamako », «مسؤولون من مالي»); the motion word before them is what says "from".
ORIGIN: dict[str, tuple[str, ...]] = {
    "en": ("from", "left", "leaving", "departed", "departing", "flew out of", "returned from", "back from"),
    "fr": ("depuis", "en provenance de", "en provenance du", "venant de", "venant du", "parti de", "partie de",
           "quitté", "quittant", "quitte", "de retour de", "revenant de", "arrivé de", "arrivée de"),
    "ru": ("из", "покинул", "покинула", "покинули", "вылетел из", "вернулся из"),
    "ar": ("قادما من", "قادمة من", "قادمين من", "قادما الى", "مغادرا", "غادر", "غادرت", "عائدا من"),
}
# Words right before a place that make it where someone went or where it happened.
TOWARDS: dict[str, tuple[str, ...]] = {
    "en": ("to", "in", "at", "into", "for", "visit", "visited", "visits", "visiting", "reached", "toured",
           "the capital", "capital", "near", "across", "throughout", "outside", "toward", "towards"),
    "fr": ("à", "au", "aux", "en", "dans", "vers", "pour", "visité", "visite", "rallié", "la capitale", "capitale",
           "près de", "près du", "à travers"),
    "ru": ("в", "во", "на", "посетил", "посетила", "посетили", "посетит", "посетить", "посещение", "столицу",
           "столице", "столицы", "под", "около", "близ"),
    "ar": ("إلى", "الى", "في", "زار", "زارت", "يزور", "تزور", "سيزور", "زيارة", "لزيارة", "نحو", "العاصمة", "قرب",
           "بالقرب من", "فى", "وصل", "وصلت", "وصلوا", "يصل", "تصل", "سيصل", "ستصل"),   # «وصل باماكو»: arrived in
}
# Words that may stand between such a preposition and the place without changing what it says:
# articles, "of", and the parts of a country ("in northern Mali", « dans le nord du Burkina Faso »,
# «на севере Мали», «في شمال مالي», «بوسط مالي»).
AREA: frozenset[str] = frozenset("""
    the of a northern southern eastern western central north south east west centre center north-east
    north-west south-east south-west northeast northwest southeast southwest north-eastern north-western
    south-eastern south-western part parts region outskirts heart city town village province all whole entire
    le la les l' l’ du de des d' d’ nord sud est ouest centre nord-est nord-ouest sud-est sud-ouest région
    province ville localité village périphérie tout toute tous toutes
    севере юге востоке западе центре северо-востоке северо-западе юго-востоке юго-западе области районе
    окрестностях городе поселке всей всего
    شمال جنوب شرق غرب وسط شمالي جنوبي شرقي غربي شمالى جنوبى شرقى غربى منطقة مدينة بلدة ولاية إقليم أنحاء كل
""".split())
# A place at the very start of a sentence, followed by a colon, is what the sentence is about: the
# place of what it tells ("Nigeria: Reps Stage Walk Out", « Djibo: 2 militaires tués », «الخليل: اعتقلت»).
HEADING = ":"
# Arabic prepositions written onto the noun: «بباماكو» (in Bamako), «لباماكو» (to Bamako).
AR_ATTACHED_TOWARDS = ("ب", "ل")

# A sentence that opens with one of these (within its first words) has the subject of an earlier
# sentence ("He arrived…", « La délégation a été reçue… », "Об этом он сказал…"), or reports again the
# event an earlier sentence told (« La rencontre a eu lieu le 2 juin à Niamey »): its participants
# are those of the nearest earlier sentence with any.
SUBJECT_STANDINS: dict[str, tuple[str, ...]] = {
    "en": ("he", "she", "they", "the delegation", "the minister", "the diplomat", "the official", "the president",
           "the russian delegation", "his delegation", "the visitor", "the envoy", "the visit", "the meeting",
           "the talks", "the trip"),
    "fr": ("il", "elle", "ils", "la délégation", "le ministre", "le diplomate", "le président", "le chef de la diplomatie",
           "l'émissaire", "l'envoyé", "celui-ci", "la rencontre", "la visite", "l'entretien", "les entretiens",
           "la réunion"),
    "ru": ("он", "она", "они", "делегация", "министр", "глава мид", "дипломат", "президент", "глава государства",
           "встреча", "визит", "переговоры"),
    "ar": ("الوفد", "الوزير", "وكان", "وقد", "كما", "ثم", "وأكد", "هو", "وهو", "الزيارة", "اللقاء", "المحادثات"),
}
OPENING_WORDS = 3   # how far into a sentence a stand-in is looked for

# Event types whose place is a destination (the others happen somewhere: role "location").
MOTION_TYPES = frozenset({"visit"})

# Infinitives that tell an event to come, for the extractor only ("US and Iran to meet for second round of talks",
# "arrived in Bamako with a visit to hold talks": the talks are planned, the labelling guide's es-5017). Not in
# topics.yaml `modality:`, which rules' `topic: {modality: planned}` read of a whole sentence: there "arrived …
# to hold talks" would make the arrival a planned visit.
PLANNED_INFINITIVES: dict[str, list[str]] = {"en": ["to meet", "to hold", "to sign", "to attend"]}
# What an event is ahead of is to come ("Rubio praises Orban ahead of crunch election", « à la veille du scrutin »,
# «قبيل الانتخابات»): planned, for an event whose noun follows within AHEAD_REACH words ("arrived ahead of the vote"
# did arrive; "ahead of the anniversary of the 2020 elections" is no election to come); the extractor's own, as the
# infinitives are. (Russian «накануне» is also "the day before", Arabic «عشية» "evening": left out.)
PLANNED_AHEAD: dict[str, list[str]] = {
    "en": ["ahead of", "in the run-up to", "on the eve of", "in the lead-up to"],
    "fr": ["à la veille de", "à la veille du", "à la veille des", "à l'approche de", "à l'approche du",
           "à l'approche des", "en amont de", "en amont du", "en amont des"],
    "ar": ["قبيل"],
}
AHEAD_REACH = 3

# Nouns that stand for a country named before ("in the north of the country", « dans le nord du
# pays », «на востоке страны», «شمال البلاد», «прибыл в страну»): after a preposition of place they
# are that country (the nearest named before them in the item).
COUNTRY_STANDINS: dict[str, tuple[str, ...]] = {
    "en": ("country",),
    "fr": ("pays",),
    "ru": ("страна",),
    "ar": ("البلاد",),
}

# Verbs of receiving a guest (talks cues too): the subject is the host, the object the guest; in
# the passive ("was received by", « a été reçu par », «был принят») the other way round. The guest
# of a host of another country is visiting it ("Goïta welcomed a Russian delegation",
# «Гоита принял российскую делегацию», «استقبل الرئيس تراوري وفدا روسيا»). Compared with the
# casefolded cue; an Arabic verb comes before its subject (VSO).
RECEPTION: dict[str, tuple[str, ...]] = {
    "en": ("welcomed", "welcomes", "received", "receives", "hosted", "hosts"),
    "fr": ("a reçu", "reçoit", "a accueilli", "accueille", "a accueillie", "recevra", "accueillera"),
    "ru": ("принял", "приняла", "принимает", "примет", "встретил"),
    "ar": ("استقبل", "استقبلت", "يستقبل", "تستقبل", "سيستقبل"),
}
RECEIVED_BY: dict[str, tuple[str, ...]] = {
    "en": ("was received by", "received by", "was welcomed by", "welcomed by", "hosted by", "was hosted by"),
    "fr": ("a été reçu", "a été reçue", "ont été reçus", "reçu en audience", "a été accueilli", "a été accueillie"),
    "ru": ("был принят", "была принята", "были приняты", "принят"),
    "ar": (),
}

# Conjunctions that open another clause with its own subject: after every cue of a sentence, the names that follow
# one are that clause's, no party or place of the sentence's events ("Ukraine, Russia hold peace talks in Geneva as
# Trump puts pressure on Kyiv": Trump is no party to the talks, Kyiv not their place). English "as" only before a
# capitalised word or a pronoun ("as Trump", "as he"), and not after AS_NOT ("as well as", "known as", "served as").
OTHER_CLAUSE: dict[str, str] = {
    "en": r"\b(?:while|whereas|although|though|but|as)\b",
    "fr": r"\b(?:alors qu|tandis qu|pendant qu|mais\b)",
    "ru": r"(?:\bв то время как|,\s*(?:но|однако|пока)\b)",
    "ar": r"(?<!\w)(?:بينما|في حين|فيما|لكن|ولكن)(?!\w)",
}
AS_NOT = frozenset("well such known named served described identified same".split())
AS_SUBJECTS = ("he ", "she ", "they ", "it ")
# Words one of which each OTHER_CLAUSE pattern needs (a sentence without any is not searched)
OTHER_CLAUSE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("while", "whereas", "though", "but", "as "),
    "fr": ("alors qu", "tandis qu", "pendant qu", "mais"),
    "ru": ("в то время как", "но", "однако", "пока"),
    "ar": ("بينما", "في حين", "فيما", "لكن"),
}
