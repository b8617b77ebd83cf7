"""The Streamlit app: pages, components and session glue (the only package importing streamlit,
besides the form widget adapter in runtime/forms/widgets.py)."""
