"""Integrity of results: verification against bundle and criteria, and Ed25519 signing."""
