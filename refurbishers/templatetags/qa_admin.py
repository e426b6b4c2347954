"""Template tags of QA's admin pages."""

from __future__ import annotations

from django import template

from refurbishers.admin.queues import Queue, qa_queues

register = template.Library()


@register.simple_tag
def qa_queues_for(user) -> list[Queue]:
    """QA's queues with counts, for staff who may see refurbishers; else none."""
    if not user.has_perm("refurbishers.view_refurbisher"):
        return []
    return qa_queues()
