"""The standardized data model: the registry of data types, their fields and the record store, below every
domain (the read API that serves them is `ledgerlink.data`)."""
