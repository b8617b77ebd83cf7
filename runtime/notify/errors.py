"""Why a delivery failed: transient (retry with backoff) or permanent (give up at once)."""

from __future__ import annotations

from runtime.errors import HandbookError


class DeliveryError(HandbookError):
    """A channel could not deliver; `permanent` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
