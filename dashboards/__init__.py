"""Read-only Streamlit dashboard over the warehouse's ``reporting`` views."""
