"""Developer tools around the platform, not part of it: the ``customer-platform`` command
(``cli``) and what its commands run (backfills, status, the generated documents, the bench,
a partition's SQL). The code location never imports from here: tools use the platform, the
platform does not need them to run.
"""
