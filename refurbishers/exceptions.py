"""Domain errors of the refurbishers app; each message can be shown as it is."""


class RefurbisherError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StatusChangeNotAllowed(RefurbisherError):
    """The refurbisher's current status does not permit this move."""


class ApplicationIncomplete(RefurbisherError):
    """An application cannot be submitted or approved as it stands."""


class SaleCapReached(RefurbisherError):
    """A trial refurbisher has no sale slot left today."""


class DocumentRejected(RefurbisherError):
    """An uploaded document is not an accepted type or is too large."""
