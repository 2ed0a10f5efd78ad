"""Settings, the ``xinping`` command line and the Streamlit app (the top layer)."""
