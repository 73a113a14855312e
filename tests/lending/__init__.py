"""Lending's tests that need no server: the labelled account set that measures categorization."""
