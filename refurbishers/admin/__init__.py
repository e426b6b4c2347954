"""QA's admin: refurbishers (vetting, trials, suspensions) and their status history.

Every action calls one service of ``refurbishers.services``; see
``refurbishers.admin.actions``.
"""

from refurbishers.admin.history import RefurbisherStatusChangeAdmin
from refurbishers.admin.refurbisher import RefurbisherAdmin

__all__ = ["RefurbisherAdmin", "RefurbisherStatusChangeAdmin"]
