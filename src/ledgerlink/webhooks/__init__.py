"""Webhooks: consumers, and the delivery of every outbox event to the consumers it concerns."""
