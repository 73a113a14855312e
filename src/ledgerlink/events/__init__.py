"""The event outbox: every change a client can observe, written in the transaction that makes it."""
