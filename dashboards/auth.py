"""Optional login gate (see docs/DASHBOARD.md).

Off unless ``.streamlit/secrets.toml`` has an ``[auth]`` block: then Streamlit's native OIDC (``st.login``) guards
every page, optionally restricted to ``PERPDEX_DASHBOARD_ALLOWED_EMAILS`` (comma-separated). Without it the app
binds to 127.0.0.1 only and is meant to sit behind an auth proxy or an SSH tunnel.
"""

from __future__ import annotations

import os

import streamlit as st

ALLOWED_EMAILS_ENV = "PERPDEX_DASHBOARD_ALLOWED_EMAILS"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False
    except Exception:  # streamlit raises its own StreamlitSecretNotFoundError when no secrets file exists
        return False


def require_login() -> None:
    """Stop the script run unless the visitor is logged in (and allowed), when OIDC is configured."""
    if not oidc_configured():
        return
    if not st.user.get("is_logged_in", False):  # fail closed when the identity is unknown
        st.title("perpdex dashboard")
        st.button("Log in", on_click=st.login)
        st.stop()
    allowed = {e.strip().lower() for e in os.environ.get(ALLOWED_EMAILS_ENV, "").split(",") if e.strip()}
    email = str(st.user.get("email") or "").lower()
    if allowed and email not in allowed:
        st.error("This account is not allowed to view the dashboard.")
        st.button("Log out", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {email}")
        st.button("Log out", on_click=st.logout)
