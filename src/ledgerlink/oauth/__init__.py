"""OAuth2 for connectors whose platforms are authorized by the business (Xero, QuickBooks, ...).

- `provider`: what an OAuth connector declares (endpoints, scopes, extra parameters) and where its client
  credentials come from (the environment, never the code).
- `flow`: the authorization code flow with `state` and PKCE (S256); the callback completes it and links
  the connection through the connections service.
- `tokens`: a valid access token for a connection, refreshed before it expires, one refresh at a time.
"""
