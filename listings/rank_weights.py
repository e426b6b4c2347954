"""The rank score's parts and what each weighs: how pages explain an offer's score.

An offer's rank score (0 to 100) is the weighted sum of four parts, each 0 to 1
and stored on the offer (``Offer.score_*``). The weights come from the
``RANK_WEIGHT_*`` settings. They are defined here, beside the offers they
rank, because the device page explains the score with them; the ranking
itself (``quality.services.ranking``) builds on this module and is the only
writer of the scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

PARTS = ("device", "seller", "service", "price")


@dataclass(frozen=True)
class Weights:
    device: float
    seller: float
    service: float
    price: float

    @classmethod
    def from_settings(cls) -> Weights:
        return cls(
            device=settings.RANK_WEIGHT_DEVICE,
            seller=settings.RANK_WEIGHT_SELLER,
            service=settings.RANK_WEIGHT_SERVICE,
            price=settings.RANK_WEIGHT_PRICE,
        )

    def scale(self) -> float:
        """The weights' sum: the score is out of 100 whatever they add up to."""
        return self.device + self.seller + self.service + self.price

    def points(self, part: str) -> float:
        """How many of the 100 points a part is worth."""
        return 100 * getattr(self, part) / self.scale()
