"""Rules, dispatch and notifiers. Imports newswatch, never workers."""
