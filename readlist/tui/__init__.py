"""The terminal UI. Everything Textual lives under this package."""
