"""Stateful fakes of the platforms the real connectors talk to, validated against the platforms' own specs."""
