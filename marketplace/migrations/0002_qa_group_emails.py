"""Let the "QA" group see the outbox in the admin and send an email again.

The group is created by refurbishers (0003_qa_group); this runs after it, so
its ``set`` of the vetting permissions cannot drop these. The list must equal
tests/marketplace/test_email_admin.py MARKETPLACE_QA_PERMISSIONS (a migration
cannot import it).
"""

from django.db import migrations

from marketplace.qa_group import qa_permissions_grant, qa_permissions_revoke

MARKETPLACE_QA_PERMISSIONS = ["view_outgoingemail", "change_outgoingemail"]


def qa_group_grant(apps, schema_editor):
    qa_permissions_grant(apps, app_label="marketplace", codenames=MARKETPLACE_QA_PERMISSIONS)


def qa_group_revoke(apps, schema_editor):
    qa_permissions_revoke(apps, app_label="marketplace", codenames=MARKETPLACE_QA_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_outbox"),
        ("refurbishers", "0003_qa_group"),
    ]

    operations = [migrations.RunPython(qa_group_grant, qa_group_revoke)]
