"""The "QA" group's permissions, granted and taken back by each app's migrations.

A migration lists the codenames QA needs for what it adds and calls these from
``RunPython``. They use the historical models a migration is given, never the
app's own, so an old migration keeps meaning what it meant. The group itself
is created by refurbishers (``0003_qa_group``); a migration granting to it runs
after that one.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions

QA_GROUP = "QA"


def qa_permissions_grant(apps, *, app_label: str, codenames: list[str]) -> None:
    """Add ``app_label``'s ``codenames`` to the QA group (created if missing)."""
    # Permissions are otherwise created after the whole migrate run
    # (post_migrate); create this app's now so a fresh database gets them.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=QA_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    )


def qa_permissions_revoke(apps, *, app_label: str, codenames: list[str]) -> None:
    """Take ``app_label``'s ``codenames`` back from the QA group, if it exists."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=QA_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
