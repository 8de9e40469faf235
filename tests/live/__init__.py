"""Tests of the live conformance run (schemathesis CLI against the sandbox)."""
