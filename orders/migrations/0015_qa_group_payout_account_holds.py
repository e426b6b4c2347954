"""Let the "QA" group see payout account changes and release their holds.

The list must equal tests/orders/test_qa_permissions.py HOLD_QA_PERMISSIONS.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QA_GROUP = "QA"
HOLD_QA_PERMISSIONS = ["view_payoutaccountchange", "release_payoutaccountchange"]


def qa_group_grant(apps, schema_editor):
    app_config = apps.get_app_config("orders")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=QA_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", codename__in=HOLD_QA_PERMISSIONS
        )
    )


def qa_group_revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=QA_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="orders", codename__in=HOLD_QA_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0014_payout_account_change")]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
