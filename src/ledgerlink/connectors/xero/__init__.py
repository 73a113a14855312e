"""Xero (`gbol`): the connector, its HTTP client and its mapping to Codat's data model."""
