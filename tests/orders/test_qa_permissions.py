"""The QA group can work the after-sale queues, and only those of orders."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from tests.support.qa_permissions import (
    ORDERS_QA_PERMISSIONS,
    PAYMENT_ISSUES_QA_PERMISSIONS,
)

pytestmark = pytest.mark.django_db

# Granted with payout account holds (0015).
HOLD_QA_PERMISSIONS = ["view_payoutaccountchange", "release_payoutaccountchange"]
ALL_QA_PERMISSIONS = set(
    ORDERS_QA_PERMISSIONS + PAYMENT_ISSUES_QA_PERMISSIONS + HOLD_QA_PERMISSIONS
)


def _orders_codenames() -> set[str]:
    group = Group.objects.get(name="QA")
    return set(
        group.permissions.filter(content_type__app_label="orders").values_list(
            "codename", flat=True
        )
    )


PAYMENT_ISSUES = "orders.migrations.0012_qa_group_payment_issues"
HOLDS = "orders.migrations.0015_qa_group_payout_account_holds"


def test_the_qa_group_holds_exactly_these_orders_permissions():
    migration = importlib.import_module("orders.migrations.0008_qa_group_orders")
    assert sorted(migration.ORDERS_QA_PERMISSIONS) == sorted(ORDERS_QA_PERMISSIONS)
    later = importlib.import_module(PAYMENT_ISSUES)
    assert sorted(later.PAYMENT_ISSUES_QA_PERMISSIONS) == sorted(
        PAYMENT_ISSUES_QA_PERMISSIONS
    )
    holds = importlib.import_module(HOLDS)
    assert sorted(holds.HOLD_QA_PERMISSIONS) == sorted(HOLD_QA_PERMISSIONS)
    # Every name is a real permission (a typo would silently grant nothing).
    migration.qa_group_grant(django_apps, None)
    later.qa_group_grant(django_apps, None)
    holds.qa_group_grant(django_apps, None)
    assert _orders_codenames() == ALL_QA_PERMISSIONS


def test_granting_twice_changes_nothing_and_revoking_takes_them_back():
    vetting = importlib.import_module("refurbishers.migrations.0003_qa_group")
    vetting.qa_group_create(django_apps, None)  # a flushed database lost them
    migration = importlib.import_module("orders.migrations.0008_qa_group_orders")
    later = importlib.import_module(PAYMENT_ISSUES)
    holds = importlib.import_module(HOLDS)
    for grant in (migration, migration, later, later, holds, holds):
        grant.qa_group_grant(django_apps, None)
    assert _orders_codenames() == ALL_QA_PERMISSIONS
    migration.qa_group_revoke(django_apps, None)
    assert _orders_codenames() == set(
        PAYMENT_ISSUES_QA_PERMISSIONS + HOLD_QA_PERMISSIONS
    )
    later.qa_group_revoke(django_apps, None)
    holds.qa_group_revoke(django_apps, None)
    assert _orders_codenames() == set()
    refurbishers = Group.objects.get(name="QA").permissions.filter(
        content_type__app_label="refurbishers"
    )
    assert refurbishers.exists()  # QA's vetting permissions are left alone
