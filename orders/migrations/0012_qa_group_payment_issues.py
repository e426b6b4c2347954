"""Let the "QA" group see payments that did not match their order and payment
disputes, and mark a mismatched payment reviewed.

The list must equal tests/orders/test_qa_permissions.py
PAYMENT_ISSUES_QA_PERMISSIONS (a migration cannot import it).
"""

from django.db import migrations

from marketplace.qa_group import qa_permissions_grant, qa_permissions_revoke

PAYMENT_ISSUES_QA_PERMISSIONS = [
    "view_paymentmismatch", "change_paymentmismatch", "view_paymentdispute",
]  # fmt: skip


def qa_group_grant(apps, schema_editor):
    qa_permissions_grant(apps, app_label="orders", codenames=PAYMENT_ISSUES_QA_PERMISSIONS)


def qa_group_revoke(apps, schema_editor):
    qa_permissions_revoke(apps, app_label="orders", codenames=PAYMENT_ISSUES_QA_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0011_payment_mismatches_disputes"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
