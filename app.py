"""Handbook app entry point: `streamlit run app.py` (or `make run`)."""

import streamlit as st

from runtime.ui.main import run

st.set_page_config(page_title="Handbook 物业客服手册", page_icon=":material/menu_book:",
                   layout="wide")
run()
