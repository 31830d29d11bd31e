"""The back office's view of notices: what was told to whom, and how every e-mail and SMS went."""

from __future__ import annotations

from django.contrib import admin

from civic.notices.models import Delivery, Notice, NoticePreferences


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("channel", "address", "state", "attempts", "last_attempt_at", "sent_at", "failure_reason")
    readonly_fields = fields
    can_delete = False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "recipient_name", "kind", "subject", "read_at")
    list_filter = ("kind", "created_at")
    search_fields = ("subject", "recipient__username", "recipient_name", "key")
    readonly_fields = ("recipient", "recipient_name", "kind", "subject", "body", "link", "key", "created_at", "read_at")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notice", "channel", "address", "state", "attempts", "last_attempt_at", "sent_at")
    list_filter = ("state", "channel")
    search_fields = ("address", "notice__subject", "failure_reason")
    readonly_fields = (
        "notice", "channel", "address", "state", "attempts", "last_attempt_at", "sent_at", "failure_reason",
    )  # fmt: skip


@admin.register(NoticePreferences)
class NoticePreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "phone")
    search_fields = ("user__username", "phone")
