"""The standardized data model: the registry of data types and, in time, the record store and read API."""
