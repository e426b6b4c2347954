"""Let the "QA" group see payout account changes and release their holds.

The list must equal tests/orders/test_qa_permissions.py HOLD_QA_PERMISSIONS.
"""

from django.db import migrations

from marketplace.qa_group import qa_permissions_grant, qa_permissions_revoke

HOLD_QA_PERMISSIONS = ["view_payoutaccountchange", "release_payoutaccountchange"]


def qa_group_grant(apps, schema_editor):
    qa_permissions_grant(apps, app_label="orders", codenames=HOLD_QA_PERMISSIONS)


def qa_group_revoke(apps, schema_editor):
    qa_permissions_revoke(apps, app_label="orders", codenames=HOLD_QA_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("orders", "0014_payout_account_change")]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
