"""Classification: language, places, countries, regions, topics and actors of an item."""
