from marketplace.errors import BusinessRuleError


class ListingError(BusinessRuleError):
    """A listing change the marketplace's rules refuse; the message says why."""
