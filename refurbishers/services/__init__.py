"""Every write of the refurbishers app (see each module for its part)."""

from refurbishers.services.application import (
    application_certifications_update,
    application_company_update,
    application_document_add,
    application_document_remove,
    application_operations_update,
    refurbisher_apply,
)
from refurbishers.services.sales import (
    sale_slot_confirm,
    sale_slot_release,
    sale_slot_reserve,
    sale_slots_expire,
    trial_caps_refresh,
)
from refurbishers.services.status import (
    application_approve,
    application_changes_request,
    application_reject,
    application_review_start,
    application_submit,
    criterion_review_set,
    refurbisher_reinstate,
    refurbisher_status_change,
    refurbisher_suspend,
    trial_end,
    trial_extend,
    trial_flag_for_qa,
    trial_limits_set,
)

__all__ = [
    "application_approve",
    "application_certifications_update",
    "application_changes_request",
    "application_company_update",
    "application_document_add",
    "application_document_remove",
    "application_operations_update",
    "application_reject",
    "application_review_start",
    "application_submit",
    "criterion_review_set",
    "refurbisher_apply",
    "refurbisher_reinstate",
    "refurbisher_status_change",
    "refurbisher_suspend",
    "sale_slot_confirm",
    "sale_slot_release",
    "sale_slot_reserve",
    "sale_slots_expire",
    "trial_caps_refresh",
    "trial_end",
    "trial_extend",
    "trial_flag_for_qa",
    "trial_limits_set",
]
