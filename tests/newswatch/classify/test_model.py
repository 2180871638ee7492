"""Facts.to_dict is what dataclasses.asdict gives (the archive stores it for replay), written out by hand for
speed: checked on every item of the real feeds, and for the copy being deep."""
import dataclasses
import json

from newswatch.classify.model import Facts, Mention
from tests.newswatch.classify.conftest import ROOT
from workers.sources.feeds.parse import parse_feed

FEEDS = ROOT / "tests" / "data" / "feeds" / "world-2026-02"


def test_to_dict_is_asdict_on_every_real_item(classifier):
    checked = evidence = 0
    for path in sorted(FEEDS.glob("*.xml")):
        for item in parse_feed(path.read_bytes(), path.stem).items:
            facts = classifier.classify(item.title, item.text, declared_lang=item.lang)
            fast, slow = facts.to_dict(), dataclasses.asdict(facts)
            assert fast == slow and list(fast) == list(slow)
            assert json.dumps(facts.to_dict(deep=False)) == json.dumps(slow)   # what the archive's queue carries
            assert [type(s) for v in fast["sentences"].values() for s in v] == \
                [type(s) for v in slow["sentences"].values() for s in v]
            assert json.dumps(fast) == json.dumps(slow)
            again = Facts.from_dict(json.loads(json.dumps(fast)))   # as the archive's replay reads it back
            assert again.to_dict() == dataclasses.asdict(again) == slow
            checked, evidence = checked + 1, evidence + len(facts.evidence)
    assert checked == 591 and evidence > 1000


def test_to_dict_copies_deeply():
    extra = {"name": "Bamako", "tags": ["capital", {"nested": [1, 2]}], "span": (1, 2), "seen": {"ML"}}
    facts = Facts(lang="en", countries=["ML"], salience={"ML": 1.0}, cities=[{"id": "2460596", "name": "Bamako"}],
                  evidence=[Mention("city", "2460596", "title", 0, 6, "Bamako", "bamako", 0, "ML", extra)],
                  sentences={"title": [(0, 6)]})
    out = facts.to_dict()
    assert out == dataclasses.asdict(facts)
    out["countries"].append("NE")
    out["cities"][0]["name"] = "x"
    out["evidence"][0]["extra"]["tags"][1]["nested"].append(3)
    out["evidence"][0]["extra"]["seen"].add("NE")
    assert facts.countries == ["ML"] and facts.cities[0]["name"] == "Bamako"
    assert extra["tags"][1]["nested"] == [1, 2] and extra["seen"] == {"ML"}
