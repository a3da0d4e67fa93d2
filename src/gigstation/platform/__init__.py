"""Cross-cutting infrastructure: settings, database, errors, audit, clock, keys and tokens, events."""
