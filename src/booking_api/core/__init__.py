"""Cross-cutting pieces: settings, database, security, DRF-compatible errors and fields."""
