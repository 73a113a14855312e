"""The service tier: rules tested by calling services directly, in a transaction rolled back per test."""
