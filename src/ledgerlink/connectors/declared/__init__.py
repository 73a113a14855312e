"""Connectors declared in a YAML file instead of code: a platform's own REST API mapped onto Codat's types."""
