"""Let the "QA" group see payments that did not match their order and payment
disputes, and mark a mismatched payment reviewed.

The list must equal tests/orders/test_qa_permissions.py
PAYMENT_ISSUES_QA_PERMISSIONS (a migration cannot import it).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QA_GROUP = "QA"
PAYMENT_ISSUES_QA_PERMISSIONS = [
    "view_paymentmismatch", "change_paymentmismatch", "view_paymentdispute",
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
            content_type__app_label="orders",
            codename__in=PAYMENT_ISSUES_QA_PERMISSIONS,
        )
    )


def qa_group_revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=QA_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="orders",
                codename__in=PAYMENT_ISSUES_QA_PERMISSIONS,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0011_payment_mismatches_disputes"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
