"""Let the "QA" group see the outbox in the admin and send an email again.

The group is created by refurbishers (0003_qa_group); this runs after it, so
its ``set`` of the vetting permissions cannot drop these. The list must equal
tests/marketplace/test_email_admin.py MARKETPLACE_QA_PERMISSIONS (a migration
cannot import it).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QA_GROUP = "QA"
MARKETPLACE_QA_PERMISSIONS = ["view_outgoingemail", "change_outgoingemail"]


def qa_group_grant(apps, schema_editor):
    # Permissions are otherwise created after the whole migrate run
    # (post_migrate); create this app's now so a fresh database gets them.
    app_config = apps.get_app_config("marketplace")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=QA_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="marketplace",
            codename__in=MARKETPLACE_QA_PERMISSIONS,
        )
    )


def qa_group_revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=QA_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="marketplace",
                codename__in=MARKETPLACE_QA_PERMISSIONS,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_outbox"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
