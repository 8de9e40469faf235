"""The CNAM double: a faithful stand-in for the APIJ gateway (respx, ASGI sandbox, pytest plugin)."""
