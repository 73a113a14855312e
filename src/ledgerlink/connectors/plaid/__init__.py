"""Plaid (`suuo`): the connector, its HTTP client and its mapping to Codat's banking data model."""
