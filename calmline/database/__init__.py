"""The database plumbing: the one connection factory and the atomic publish of a new file."""
