"""Create the "QA" group: staff in it vet applications and run trials in the admin.

The list below must equal tests/support/refurbisher_builders.py QA_PERMISSIONS (a
migration cannot import it); tests/refurbishers/test_admin.py checks they match.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QA_GROUP = "QA"
QA_PERMISSIONS = [
    "view_refurbisher", "change_refurbisher", "vet_refurbisher",
    "suspend_refurbisher", "view_application", "view_applicationdocument",
    "view_criterionreview", "add_criterionreview", "change_criterionreview",
    "view_refurbisherstatuschange",
]  # fmt: skip


def qa_group_create(apps, schema_editor):
    # Permissions are otherwise created after the whole migrate run
    # (post_migrate); create this app's now so a fresh database gets them.
    app_config = apps.get_app_config("refurbishers")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=QA_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="refurbishers", codename__in=QA_PERMISSIONS
        )
    )


def qa_group_remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=QA_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("refurbishers", "0002_vetting_trial_members"),
    ]

    operations = [migrations.RunPython(qa_group_create, qa_group_remove)]
