"""Streamlit pages (issue 6)."""
