"""Re-assessing many bundles: discovery, cache keys, workers, the result store, status changes."""
