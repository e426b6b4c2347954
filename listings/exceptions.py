class ListingError(Exception):
    """A listing change the marketplace's rules refuse; the message says why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
