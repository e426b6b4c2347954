"""Idempotency keys with a per-installation prefix, stored on their rows.

Every order, refund and payout that exists before this migration may already
have been sent to Stripe with the key of the old scheme: the key is written
on its row now, exactly as it was sent, so a retry after the upgrade sends
the same key (a new key would refund or pay twice) and a payout's transfer
group still finds its earlier transfer. New rows get keys with the
installation's prefix (``orders.services.installation``), made here once.
"""

import secrets

from django.conf import settings
from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat


def keys_of_earlier_rows_keep(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Refund = apps.get_model("orders", "Refund")
    Payout = apps.get_model("orders", "Payout")
    Order.objects.filter(payment_idempotency_key="").update(
        payment_idempotency_key=Concat(
            Value("order-"), "reference", Value("-session"), output_field=CharField()
        )
    )
    Refund.objects.filter(idempotency_key="").update(
        idempotency_key=Concat(
            Value("remarket-refund-"), Cast("pk", CharField()), output_field=CharField()
        )
    )
    Payout.objects.filter(idempotency_key="").update(
        idempotency_key=Concat(
            Value("remarket-payout-"), Cast("pk", CharField()), output_field=CharField()
        )
    )


def installation_make(apps, schema_editor):
    # The same prefix as orders.services.installation.prefix_new (a migration
    # must not import the app's code).
    Installation = apps.get_model("orders", "Installation")
    Installation.objects.get_or_create(
        pk=1, defaults={"prefix": "rm" + secrets.token_hex(5)}
    )


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0008_qa_group_orders'),
        ('refurbishers', '0006_seller_tools'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Installation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('prefix', models.CharField(max_length=32, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.AddField(
            model_name='order',
            name='payment_idempotency_key',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name='payout',
            name='idempotency_key',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name='refund',
            name='idempotency_key',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddConstraint(
            model_name='payout',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('idempotency_key',), name='payout_idempotency_key_once'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('idempotency_key',), name='refund_idempotency_key_once'),
        ),
        migrations.RunPython(keys_of_earlier_rows_keep, migrations.RunPython.noop),
        migrations.RunPython(installation_make, migrations.RunPython.noop),
    ]
