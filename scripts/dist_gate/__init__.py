"""The distribution gate: the built artifacts installed as users get them, then smoke-tested."""
