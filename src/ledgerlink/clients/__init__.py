"""The client (the tenant using ledgerlink): profile, API keys and CORS settings."""
