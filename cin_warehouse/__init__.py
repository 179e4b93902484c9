"""CIN warehouse: synthetic Children in Need world, landing of raw extracts, helpers for dbt."""

__version__ = "0.1.0"
