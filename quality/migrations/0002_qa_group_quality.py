"""Let the "QA" group work the trial-sale queue and moderate shopper reviews.

QA reads trial-sale reviews and gives verdicts (change), reads the verdict
history, reads shopper reviews and hides or shows them (change), and reads
seller metrics. The list must equal tests/quality/test_trial_review_admin.py
QUALITY_QA_PERMISSIONS (a migration cannot import it).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QA_GROUP = "QA"
QUALITY_QA_PERMISSIONS = [
    "view_trialsalereview", "change_trialsalereview",
    "view_trialsaleverdictchange",
    "view_sellerreview", "change_sellerreview",
    "view_sellermetrics",
]  # fmt: skip


def qa_group_grant(apps, schema_editor):
    # Permissions are otherwise created after the whole migrate run
    # (post_migrate); create this app's now so a fresh database gets them.
    app_config = apps.get_app_config("quality")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=QA_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="quality", codename__in=QUALITY_QA_PERMISSIONS
        )
    )


def qa_group_revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=QA_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="quality", codename__in=QUALITY_QA_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0001_reviews_and_metrics"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
