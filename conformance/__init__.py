"""The conformance suite: contract, generated client, double and face held to each other."""
