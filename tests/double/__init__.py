"""Tests of the CNAM double: its core, domain, faults, doors, strategies and pytest plugin."""
