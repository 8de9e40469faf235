"""Drift seen in production: what a response carries that the contract does not describe.

The face still returns the result (or its typed error) when the contract allows what came but
does not describe it: a member no schema declares, an error code or enum value newer than the
contract, a status the operation does not document but the face can still classify. The face's
judge finds it (`apij._contract`); each drift is reported once per client: a WARNING on the
`apij` logger naming the JSON path (never the value) and the client's `on_drift` hook, for
metrics.
"""

from __future__ import annotations

import threading

from apij._log import LOGGER
from apij.config import DriftEvent, DriftHook, DriftKind

__all__ = ["DriftLog"]


class DriftLog:
    """One client's drift reports: each (kind, path, status) logged and handed to the hook once."""

    def __init__(self, operation: str, hook: DriftHook | None) -> None:
        self._operation = operation
        self._hook = hook
        self._seen: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()

    def __call__(self, kind: DriftKind, path: str, status: int) -> None:
        with self._lock:
            if (kind, path, status) in self._seen:
                return
            self._seen.add((kind, path, status))
        LOGGER.warning(
            "contract drift: %s at %s in a %d response of %s (reported once per client)",
            kind, path, status, self._operation,
        )  # fmt: skip
        if self._hook is not None:
            try:
                self._hook(DriftEvent(kind, path, status, self._operation))
            except Exception:
                # A broken metrics hook must not fail the insurer's business call.
                LOGGER.exception("on_drift hook raised")
