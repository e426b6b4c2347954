"""Admin actions that need QA's input: one way to ask for it, then run them.

The first post of such an action (from the changelist's action bar, or from a
button on an object's page) answers with an intermediate page: what the action
applies to and a form. That page posts back to the changelist with the same
``action`` and ``_selected_action`` ids plus ``apply``; only then does the
action run. An invalid form is shown again with its errors and what was typed,
and nothing changes.

The action then either calls a service once per object, each in the service's
own transaction, telling QA per object what happened (done, or the refusal's
message: a ``BusinessRuleError``), or runs once for the whole selection, where a
refusal is a form error on the page. An action started from an object's page
(``_back_to_object`` posted) comes back to that page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from marketplace.errors import BusinessRuleError, refusal_to_form

ACTION_TEMPLATE = "admin/action_form.html"
# Posted by the buttons on an object's page: come back to the object after.
BACK_TO_OBJECT = "_back_to_object"

# The refusals an action expects; any other error is a bug and is not caught.
Refusal = type[BusinessRuleError] | tuple[type[BusinessRuleError], ...]


def back_to_object(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> HttpResponseRedirect | None:
    """The object's page when the action was started from it, else None (the list)."""
    if BACK_TO_OBJECT in request.POST and queryset.count() == 1:
        opts = model_admin.model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[queryset.get().pk],
            current_app=model_admin.admin_site.name,
        )
        return HttpResponseRedirect(url)
    return None


def action_run_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Model],
    *,
    call: Callable[[Any], Any],
    done: Callable[[Any], str],
    refusal: Refusal,
    label: Callable[[Any], str] = str,
    refused_level: int = messages.ERROR,
    refused_prefix: str = "",
) -> None:
    """Call a service for each object, in the order given; say what happened.

    ``call(obj)`` returns what the service changed; QA reads
    "<label>: <done(changed)>", or, when the service raises ``refusal``,
    "<refused_prefix><label>: <its message>". One refusal does not stop the
    others: each object is changed in the service's own transaction.
    """
    for obj in objects:
        try:
            changed = call(obj)
        except refusal as error:
            model_admin.message_user(
                request,
                refused_prefix
                + gettext("%(label)s: %(message)s")
                % {"label": label(obj), "message": error.message},
                refused_level,
            )
        else:
            model_admin.message_user(
                request,
                gettext("%(label)s: %(message)s")
                % {"label": label(obj), "message": done(changed)},
                messages.SUCCESS,
            )


def action_with_form(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[forms.Form],
    title: str,
    submit: str = gettext_lazy("Apply"),
    refusal: Refusal,
    run_each: Callable[[Any, dict], Any] | None = None,
    done: Callable[[Any], str] | None = None,
    label: Callable[[Any], str] = str,
    refused_level: int = messages.ERROR,
    refused_prefix: str = "",
    run: Callable[[dict], None] | None = None,
    shown: Callable[[], Iterable[Model]] | None = None,
    describe: Callable[[Any], str] = str,
    template: str = ACTION_TEMPLATE,
    extra_context: Callable[[], dict] | None = None,
    invalid_status: int = 200,
):
    """Ask for an action's input on its own page, then run the action.

    Either ``run_each(obj, data)`` for each object of ``queryset`` in its
    order (see ``action_run_each`` for ``done``, ``label`` and the messages),
    or ``run(data)`` once, which sends its own message; a ``refusal`` it
    raises is a form error (on its ``field`` when the form has one) and the
    page is shown again.

    The page lists ``shown()`` (the queryset by default), each as
    ``describe(obj)``, and posts their ids back; ``shown()`` and
    ``extra_context()`` are read only when the page is shown. The page
    answers ``invalid_status`` when the form has errors.

    Returns the page; once the action ran, the object's page when the action
    was started there, else None (Django goes back to the list, where the
    messages are shown).
    """
    if (run_each is None) == (run is None) or (run_each is not None and not done):
        raise TypeError("Give either run_each and done, or run.")
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if run_each is not None:
                action_run_each(
                    model_admin, request, queryset,
                    call=lambda obj: run_each(obj, data),
                    done=done,
                    refusal=refusal, label=label,
                    refused_level=refused_level, refused_prefix=refused_prefix,
                )  # fmt: skip
                return back_to_object(model_admin, request, queryset)
            try:
                run(data)
            except refusal as error:
                refusal_to_form(form, error)
            else:
                return back_to_object(model_admin, request, queryset)
    else:
        form = form_class()
    objects = list(queryset if shown is None else shown())
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.model._meta,
        "form": form,
        "queryset": objects,
        "items": [describe(obj) for obj in objects],
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "submit": submit,
        "back_to_object": BACK_TO_OBJECT if BACK_TO_OBJECT in request.POST else "",
        "media": model_admin.media + form.media,
        **(extra_context() if extra_context is not None else {}),
    }
    request.current_app = model_admin.admin_site.name
    status = invalid_status if form.errors else 200
    return TemplateResponse(request, template, context, status=status)
