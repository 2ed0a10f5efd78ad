"""Batch scoring, reasons, policies, objections and credit reports."""
