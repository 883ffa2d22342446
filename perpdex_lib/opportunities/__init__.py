"""Cross-venue funding-rate opportunities: the same maths in SQL (pipeline) and Python (executor, CLI)."""
