from django.db import migrations


class Migration(migrations.Migration):
    """Rank writes become HOT updates: no index holds the score, and each page
    of offers keeps 15% free for the new row versions. Existing pages get the
    room when the table is next rewritten (VACUUM FULL or a new seed)."""

    dependencies = [
        ("listings", "0002_offer_score_parts"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="offer",
            name="offer_market_rank",
        ),
        migrations.RunSQL(
            "ALTER TABLE listings_offer SET (fillfactor = 85)",
            reverse_sql="ALTER TABLE listings_offer RESET (fillfactor)",
        ),
    ]
