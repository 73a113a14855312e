"""Push operations: records written to a connection's platform (Codat's writes), their history and events."""
