"""Sync for Commerce: the sync-flow URL, the merchant's configuration, posting its sales into its books."""
