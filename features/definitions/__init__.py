"""Indicator declarations per rating scheme (issue 3)."""
