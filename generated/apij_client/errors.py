# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
"""Contains shared errors types that can be raised from API functions"""


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True"""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


__all__ = ["UnexpectedStatus"]
