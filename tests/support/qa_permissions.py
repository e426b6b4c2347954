"""The orders permissions the QA group holds, as the migrations grant them."""

ORDERS_QA_PERMISSIONS = [
    "view_order", "view_sellerorder", "view_orderline", "view_orderstatuschange",
    "view_shippedunit", "view_warranty", "view_message",
    "view_refund", "add_refund", "change_refund",
    "view_returnrequest", "view_returnstatuschange",
    "view_warrantyclaim", "change_warrantyclaim", "view_claimphoto",
    "view_claimstatuschange",
    "view_payout", "change_payout", "view_payoutline",
]  # fmt: skip
# Granted by a later migration (0012): payments not matching, disputes.
PAYMENT_ISSUES_QA_PERMISSIONS = [
    "view_paymentmismatch", "change_paymentmismatch", "view_paymentdispute",
]  # fmt: skip
