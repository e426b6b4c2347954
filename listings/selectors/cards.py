"""Model cards: one device model's offers in a market, summed up for a result grid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from listings.models import GRADE_ORDER, DeviceModel

GRADE_RANK = {code: index for index, code in enumerate(GRADE_ORDER)}


@dataclass
class ModelCard:
    device_model: DeviceModel
    from_price: Decimal
    currency: str
    grades: list[str]
    best_saving_pct: int | None
    offer_count: int
    seller_rating: Decimal | None
    colour_hex: str
    kind: str


def per_model_sql(where_sql: str, *, also_group_by: str = "") -> str:
    """SQL of a ``per_model`` CTE: each device model's offers matching ``where_sql``.

    Columns: [also_group_by,] device_model_id, from_price, offer_count, grades,
    best_rank, newest, best_saving, best_refurbisher_id (of the top-ranked
    offer) and colour_hex (of the cheapest offer, for the picture).
    """
    group = f"{also_group_by}, " if also_group_by else ""
    return f"""
        per_model AS (
            SELECT {group}o.device_model_id,
                   min(o.price_amount) AS from_price,
                   count(*) AS offer_count,
                   array_agg(DISTINCT o.grade) AS grades,
                   max(o.rank_score) AS best_rank,
                   max(o.created_at) AS newest,
                   max(1 - o.price_amount / np.amount) AS best_saving,
                   (array_agg(o.refurbisher_id ORDER BY o.rank_score DESC,
                              o.price_amount))[1] AS best_refurbisher_id,
                   (array_agg(v.colour_hex ORDER BY o.price_amount))[1] AS colour_hex
            FROM listings_offer o
            JOIN listings_variant v ON v.id = o.variant_id
            LEFT JOIN listings_variantnewprice np
                   ON np.variant_id = o.variant_id AND np.market = o.market
            WHERE {where_sql}
            GROUP BY {group}o.device_model_id
        )
    """


def model_cards(rows: list[tuple], currency: str) -> list[ModelCard]:
    """Cards from rows of (model id, from price, offer count, grades, best saving,
    seller rating, colour hex, ...), in the rows' order, with one query."""
    models = DeviceModel.objects.select_related("brand", "category").in_bulk(
        [row[0] for row in rows]
    )
    cards = []
    for model_id, from_price, count, grades, saving, rating, hex_, *_ in rows:
        model = models[model_id]
        cards.append(
            ModelCard(
                device_model=model,
                from_price=from_price,
                currency=currency,
                grades=sorted(grades, key=lambda g: GRADE_RANK.get(g, 9)),
                best_saving_pct=round(saving * 100) if saving and saving > 0 else None,
                offer_count=count,
                seller_rating=rating,
                colour_hex=hex_,
                kind=model.category.kind,
            )
        )
    return cards
