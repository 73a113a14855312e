"""Data integrity: the books' bank accounts and lines matched against the banks'."""
