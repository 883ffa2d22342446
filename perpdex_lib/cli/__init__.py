"""The `perpdex` command (typer + rich). Each sub-command group lives in its own module."""
