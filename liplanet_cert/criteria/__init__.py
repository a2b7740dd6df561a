"""Versioned criteria packs: model, lint, selection by date, and the differences between two packs."""
