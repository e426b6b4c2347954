"""Let the "QA" group work the trial-sale queue and moderate shopper reviews.

QA reads trial-sale reviews and gives verdicts (change), reads the verdict
history, reads shopper reviews and hides or shows them (change), and reads
seller metrics. The list must equal tests/quality/test_trial_review_admin.py
QUALITY_QA_PERMISSIONS (a migration cannot import it).
"""

from django.db import migrations

from marketplace.qa_group import qa_permissions_grant, qa_permissions_revoke

QUALITY_QA_PERMISSIONS = [
    "view_trialsalereview", "change_trialsalereview",
    "view_trialsaleverdictchange",
    "view_sellerreview", "change_sellerreview",
    "view_sellermetrics",
]  # fmt: skip


def qa_group_grant(apps, schema_editor):
    qa_permissions_grant(apps, app_label="quality", codenames=QUALITY_QA_PERMISSIONS)


def qa_group_revoke(apps, schema_editor):
    qa_permissions_revoke(apps, app_label="quality", codenames=QUALITY_QA_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0001_reviews_and_metrics"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
