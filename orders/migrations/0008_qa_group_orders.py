"""Let the "QA" group work the after-sale queues in the admin.

QA reads orders, seller orders, messages, refunds, returns and payouts, issues
goodwill refunds, resends refunds and payouts, and decides escalated warranty
claims. The list must equal tests/orders/test_qa_permissions.py
ORDERS_QA_PERMISSIONS (a migration cannot import it).
"""

from django.db import migrations

from marketplace.qa_group import qa_permissions_grant, qa_permissions_revoke

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
    qa_permissions_grant(apps, app_label="orders", codenames=ORDERS_QA_PERMISSIONS)


def qa_group_revoke(apps, schema_editor):
    qa_permissions_revoke(apps, app_label="orders", codenames=ORDERS_QA_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_after_sale"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
