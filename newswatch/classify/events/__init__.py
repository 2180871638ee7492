"""Events: who did what where, and when — read off the classifier's mentions, sentence by sentence.

    extract.py   EventExtractor: a Facts' mentions -> Facts.events (type, who, where with its role,
                 modality, when), the cues being the `events:` lists of topics.yaml
    lexicon.py   the small closed word classes the extractor reads around a mention, per language:
                 the words that make a place an origin or a destination, subject pronouns
    dates.py     date expressions in en, fr, ar, ru ("7 February", «le 6 février», «6 февраля»,
                 «6 فبراير», weekdays, yesterday) -> a day, relative to the published day
"""
