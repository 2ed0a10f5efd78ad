"""Streamlit rendering components (issue 6)."""
