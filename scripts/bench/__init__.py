"""`make bench`: every benchmark of the project, one table (ratios measured in one run)."""
