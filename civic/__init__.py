"""Civic: the county's records, workflows, permissions and pages (Django)."""
