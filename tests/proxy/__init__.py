"""Tests of the validating proxy and its exchange judge."""
