"""Venue simulator: one process speaking every venue's wire protocol over a deterministic market model."""
