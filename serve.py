"""The served app: Streamlit's UI script (app.py) plus the app's own HTTP routes.

`streamlit run serve.py` (what `make run` does) finds the `st.App` below and serves app.py
with the routes of runtime/ui/web.py (the HttpOnly session cookie). `streamlit run app.py`
still works, but then sign-in does not survive a reload.
"""

from pathlib import Path

import streamlit as st

from runtime.ui.web import ROUTES

app = st.App(str(Path(__file__).resolve().with_name("app.py")), routes=ROUTES)
