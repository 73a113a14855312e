"""Integrations: the platforms a company can connect, as registered by the connectors."""
