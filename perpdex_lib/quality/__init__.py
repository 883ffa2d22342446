"""Data quality: row-level quarantine rules (:mod:`.rules`) and the Great Expectations hard gate (:mod:`.gx`).

Two tiers (docs/PIPELINE.md): a row that breaks a rule goes to ``dq.quarantine`` with a reason code and the
rest of the batch loads; a batch that breaks a hard expectation fails the task and loads nothing.
"""
