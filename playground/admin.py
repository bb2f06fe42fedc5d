"""The admin: adapter upload and versions, tasks, generations, the gallery's curation."""

from pathlib import PurePath

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat, pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import services
from .adapter_forms import AdapterUploadForm
from .adapter_limits import AdapterRejected
from .models import Adapter, ApiKey, Comparison, Generation, ReferenceOutput, Task, Vote


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "metric", "paper_finetuned"]
    list_filter = ["category"]
    search_fields = ["name", "slug"]


@admin.register(Adapter)
class AdapterAdmin(admin.ModelAdmin):
    """Adapters and their versions. "Add" opens the upload form (services.adapter_upload); an
    action rolls a task back (or forward) to a version. Rows describe files on disk, so they
    are read-only here."""

    list_display = ["name", "task", "version", "rank", "modules", "base", "size"]
    list_display += ["uploaded_by", "created_at", "status"]
    list_filter = ["is_active", "task"]
    search_fields = ["name", "family", "task__name"]
    list_select_related = ["task", "uploaded_by"]
    actions = ["serve", "stop_serving"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Adapter._meta.fields]

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="playground_adapter_upload"), *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:playground_adapter_upload")

    # --- the upload form ---------------------------------------------------------------------
    def upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdapterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            adapter = self.upload(request, form)
            if adapter is not None:
                return self.uploaded(request, adapter)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload an adapter",
            "form": form,
        }
        return TemplateResponse(request, "admin/playground/adapter/upload.html", context)

    def upload(self, request, form) -> Adapter | None:
        data = form.cleaned_data
        if data["new_task"] is not None and not request.user.has_perm("playground.add_task"):
            form.add_error(
                None,
                "You may upload adapters but not create tasks: choose an existing task, or ask "
                "an administrator for the permission to add tasks.",
            )
            return None
        try:
            return services.adapter_upload(
                files=data["files"],
                task=data["task"],
                new_task=data["new_task"],
                family=data["name"] or None,
                uploaded_by=request.user,
            )
        except AdapterRejected as exc:
            form.add_error(None, f"{exc.message} ({exc.code})")
            return None

    def uploaded(self, request, adapter: Adapter):
        self.message_user(request, f"Uploaded {adapter.name}: {adapter.task.name} serves it now.")
        for warning in adapter.warnings:
            self.message_user(request, warning, messages.WARNING)
        url = reverse("admin:playground_adapter_changelist")
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            return JsonResponse({"redirect": url})  # adapter-upload.js goes there
        return redirect(url)

    # --- the list ------------------------------------------------------------------------------
    @admin.display(description="target modules")
    def modules(self, adapter: Adapter) -> str:
        return ", ".join(adapter.target_modules)

    @admin.display(description="base", ordering="base_model")
    def base(self, adapter: Adapter) -> str:
        """The base's name; a local directory's full path (long, and the server's own
        layout) only in the tooltip."""
        if not adapter.base_model:
            return "-"
        short = PurePath(adapter.base_model).name or adapter.base_model
        return format_html('<span title="{}">{}</span>', adapter.base_model, short)

    @admin.display(ordering="size_bytes")
    def size(self, adapter: Adapter) -> str:
        return "-" if adapter.size_bytes is None else filesizeformat(adapter.size_bytes)

    @admin.display(ordering="is_active")
    def status(self, adapter: Adapter) -> str:
        state = "inactive"
        if adapter.is_active:
            state = "serving" if adapter.task.active_adapter == adapter else "active"
        if not adapter.warnings:
            return state
        count = len(adapter.warnings)
        return format_html(
            '{} <span title="{}">&#9888; {} warning{}</span>',
            state,
            " ".join(adapter.warnings),
            count,
            pluralize(count),
        )

    @admin.action(description="Serve the selected versions (roll back)", permissions=["change"])
    def serve(self, request, queryset):
        adapters = list(queryset.select_related("task"))
        if len({a.task_id for a in adapters}) < len(adapters):
            self.message_user(request, "Select one version per task.", messages.ERROR)
            return
        for adapter in adapters:
            services.adapter_activate(adapter=adapter)
        self.message_user(request, f"Now serving {', '.join(a.name for a in adapters)}.")

    @admin.action(description="Stop serving the selected versions", permissions=["change"])
    def stop_serving(self, request, queryset):
        for adapter in queryset:
            services.adapter_deactivate(adapter=adapter)
        self.message_user(request, "Stopped; each task serves its newest active version.")


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "model_kind", "status", "completion_tokens", "created_at"]
    list_filter = ["status", "model_kind"]
    readonly_fields = [f.name for f in Generation._meta.fields]


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    """Gallery entries: feature them (shown first in the gallery), unfeature or delete them."""

    list_display = ["id", "task", "source", "base_model", "featured", "votes", "created_at"]
    list_filter = ["featured", "source", "base_model", "task__category", "task"]
    search_fields = ["prompt", "expected"]
    fields = ["task", "featured", "source", "inputs", "prompt", "expected", "outputs"]
    fields += ["base_model", "template_sha256", "session_key", "created_at"]
    readonly_fields = [f for f in fields if f != "featured"]
    actions = ["feature", "unfeature"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(vote_total=Count("votes"))

    @admin.display(ordering="vote_total")
    def votes(self, comparison) -> int:
        return comparison.vote_total

    def has_add_permission(self, request) -> bool:
        return False  # entries come from the compare page and `evaluate --save-gallery`

    def view_on_site(self, comparison) -> str:
        return reverse("gallery-entry", args=[comparison.pk])

    @admin.action(description="Feature the selected comparisons (shown first in the gallery)")
    def feature(self, request, queryset):
        self.set_featured(request, queryset, featured=True)

    @admin.action(description="Unfeature the selected comparisons")
    def unfeature(self, request, queryset):
        self.set_featured(request, queryset, featured=False)

    def set_featured(self, request, queryset, *, featured: bool) -> None:
        ids = queryset.values_list("pk", flat=True)
        count = services.comparison_set_featured(comparison_ids=ids, featured=featured)
        self.message_user(request, f"{'Featured' if featured else 'Unfeatured'} {count}.")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the site or a command: admins look at them and may delete them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReferenceOutput)
class ReferenceOutputAdmin(ReadOnlyAdmin):
    list_display = ["task", "model_name", "source", "created_at"]
    list_filter = ["source", "model_name", "task"]
    search_fields = ["prompt", "output"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["comparison", "choice", "created_at"]
    list_filter = ["choice"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """API keys: "Add" makes one and shows it once (only its SHA-256 is kept), as
    `manage.py create_api_key` does; here keys get their own limits and are revoked."""

    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_display += ("requests_per_minute", "max_concurrent")
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        editable = ["name", "requests_per_minute", "max_concurrent"]
        return (
            editable
            if obj is None
            else [*editable, "prefix", "created_at", "last_used_at", "revoked_at"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["name", "prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        row, key = services.api_key_create(
            name=obj.name,
            requests_per_minute=obj.requests_per_minute,
            max_concurrent=obj.max_concurrent,
        )
        obj.pk, obj.prefix, obj.digest, obj.created_at = (
            row.pk,
            row.prefix,
            row.digest,
            row.created_at,
        )
        messages.warning(
            request,
            format_html(
                'The key of {} is <code data-testid="new-api-key">{}</code>. Copy it now: it '
                "is shown only this once. Send it as "
                "<code>Authorization: Bearer &lt;key&gt;</code>.",
                row.name,
                key,
            ),
        )

    @admin.action(description="Revoke the selected keys (refused from the next request)")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at=None):
            services.api_key_revoke(name=key.name)
