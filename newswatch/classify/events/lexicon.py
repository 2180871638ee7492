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
           "the capital", "capital"),
    "fr": ("à", "au", "aux", "en", "dans", "vers", "pour", "visité", "visite", "rallié", "la capitale", "capitale"),
    "ru": ("в", "во", "на", "посетил", "посетила", "посетили", "посетит", "посетить", "посещение", "столицу",
           "столице", "столицы"),
    "ar": ("إلى", "الى", "في", "زار", "زارت", "يزور", "تزور", "سيزور", "زيارة", "لزيارة", "نحو", "العاصمة"),
}
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
