"""Connectors: one small class per platform, and the registry that lists them."""
