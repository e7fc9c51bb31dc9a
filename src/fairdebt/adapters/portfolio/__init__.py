"""Reading and validating portfolio files (docs/import.md)."""
