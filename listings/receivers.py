"""What listings does when the apps below it report something.

``connect`` is called once, in ``ListingsConfig.ready``. Each event is
documented where it is declared (``refurbishers.events``) and listed in the
README's "Events between apps".
"""

from __future__ import annotations

from listings.services import offers_refresh
from refurbishers.events import selling_changed


def offers_refresh_on_selling_changed(
    sender, *, refurbisher_ids: list[int], **kwargs
) -> int:
    """Refresh the refurbishers' offers at once, in the sender's transaction;
    return how many changed."""
    return offers_refresh(refurbisher_ids=refurbisher_ids)


def connect() -> None:
    """Connect listings' receivers."""
    selling_changed.connect(
        offers_refresh_on_selling_changed,
        dispatch_uid="listings.offers_refresh_on_selling_changed",
    )
