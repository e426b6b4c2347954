"""Domain errors of the refurbishers app; each message can be shown as it is."""

from marketplace.errors import BusinessRuleError


class RefurbisherError(BusinessRuleError):
    """A refurbisher change the marketplace's rules refuse; the message says why."""


class StatusChangeNotAllowed(RefurbisherError):
    """The refurbisher's current status does not permit this move."""


class ApplicationIncomplete(RefurbisherError):
    """An application cannot be submitted or approved as it stands."""


class SaleCapReached(RefurbisherError):
    """A trial refurbisher has no sale slot left today."""


class DocumentRejected(RefurbisherError):
    """An uploaded document is not an accepted type or is too large."""
