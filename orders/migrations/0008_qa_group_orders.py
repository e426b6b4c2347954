"""Let the "QA" group work the after-sale queues in the admin.

QA reads orders, seller orders, messages, refunds, returns and payouts, issues
goodwill refunds, resends refunds and payouts, and decides escalated warranty
claims. The list must equal tests/orders/test_qa_permissions.py
ORDERS_QA_PERMISSIONS (a migration cannot import it).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QA_GROUP = "QA"
ORDERS_QA_PERMISSIONS = [
    "view_order", "view_sellerorder", "view_orderline", "view_orderstatuschange",
    "view_shippedunit", "view_warranty", "view_message",
    "view_refund", "add_refund", "change_refund",
    "view_returnrequest", "view_returnstatuschange",
    "view_warrantyclaim", "change_warrantyclaim", "view_claimphoto",
    "view_claimstatuschange",
    "view_payout", "change_payout", "view_payoutline",
]  # fmt: skip


def qa_group_grant(apps, schema_editor):
    # Permissions are otherwise created after the whole migrate run
    # (post_migrate); create this app's now so a fresh database gets them.
    app_config = apps.get_app_config("orders")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=QA_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", codename__in=ORDERS_QA_PERMISSIONS
        )
    )


def qa_group_revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=QA_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="orders", codename__in=ORDERS_QA_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_after_sale"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
