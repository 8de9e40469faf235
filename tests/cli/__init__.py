"""Tests of the `apij` command."""
