"""A signed-in user's notices: the list (newest first, with search and paging), one notice, and preferences."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from civic.core.permissions import WORKING_ROLES, role_required, signed_in_user
from civic.notices import actions, forms
from civic.notices.access import visible_notices
from civic.notices.models import kinds_for

PAGE_SIZE = 20


@role_required(*WORKING_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    form = forms.NoticeFilterForm(request.GET or None)
    notices = visible_notices(request.user)
    if form.is_valid():
        if words := form.cleaned_data["q"].strip():
            notices = notices.filter(Q(subject__icontains=words) | Q(body__icontains=words))
        if form.cleaned_data["unread"]:
            notices = notices.filter(read_at=None)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "total": page.paginator.count, "query": query.urlencode()}
    return render(request, "notices/notice_list.html", context)


@role_required(*WORKING_ROLES)
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    """One of the user's own notices (another's is 404); opening it marks it read."""
    notice = get_object_or_404(visible_notices(request.user), pk=notice_id)
    if notice.read_at is None:
        actions.mark_read(visible_notices(request.user).filter(pk=notice.pk))
        notice.refresh_from_db()
    return render(request, "notices/notice_detail.html", {"notice": notice})


@role_required(*WORKING_ROLES)
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        count = actions.mark_read(visible_notices(request.user))
        messages.success(request, _("%(count)s notices marked read.") % {"count": count})
    return redirect("notices:notice_list")


@role_required(*WORKING_ROLES)
def preferences(request: HttpRequest) -> HttpResponse:
    """What the user receives by e-mail and SMS (the app shows every notice), and in which language."""
    user = signed_in_user(request)
    current = actions.preferences_for(user)
    form = forms.PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=forms.PreferencesForm.initial_from(current, user.email),
        kinds=kinds_for(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.save_preferences(
            user, data["language"], data["email"], data["phone"], data["email_kinds"], data["sms_kinds"]
        )
        messages.success(request, _("Your notice preferences are saved."))
        return redirect("notices:preferences")
    return render(request, "notices/preferences.html", {"form": form, "has_kinds": bool(kinds_for(user))})
