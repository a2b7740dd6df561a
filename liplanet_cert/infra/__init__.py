"""Infrastructure every stage shares: bounded input reading, strict JSON and YAML, atomic writing, locks, packaged resources, safe text."""
