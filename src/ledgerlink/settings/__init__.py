"""Sync settings: what is fetched on first link, how often it refreshes, and one-off sync."""
