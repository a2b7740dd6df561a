"""Submission bundles: where their files come from, the declaration, the CSV logs and their rules, loading, and the init scaffold."""
