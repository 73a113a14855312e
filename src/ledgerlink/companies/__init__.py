"""Companies: the businesses whose data a client reaches."""
