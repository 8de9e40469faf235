"""Tests of the hand-written code; packages, so each conftest and helper has its own name."""
