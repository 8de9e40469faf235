"""pytest plugin (entry point ``apij``): the ``apij_mock`` fixture for downstream test suites."""
