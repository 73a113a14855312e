"""OAuth2 for connectors whose platforms are authorized by the business (Xero, QuickBooks, ...).

What an OAuth connector declares (`OAuthProvider`: endpoints, scopes, extra parameters, where the
installation's client credentials come from) is vocabulary the connectors share, in
`connectors.authorization`; this package is the machinery above it:

- `flow`: the authorization code flow with `state` and PKCE (S256); the callback completes it and links
  the connection through the connections service.
- `tokens`: a valid access token for a connection, refreshed before it expires, one refresh at a time.
"""
