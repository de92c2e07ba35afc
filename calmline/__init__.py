"""calmline: which de-escalation practices keep upset customers, from a contact centre's own data."""

__version__ = "0.1.0"
