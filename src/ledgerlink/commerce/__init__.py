"""Sync for Commerce: the sync-flow URL, the merchant's configuration, and posting their sales into their books."""
