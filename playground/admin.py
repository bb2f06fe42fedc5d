from django.contrib import admin

from .models import Adapter, Generation, Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "metric", "paper_finetuned"]
    list_filter = ["category"]
    search_fields = ["name", "slug"]


@admin.register(Adapter)
class AdapterAdmin(admin.ModelAdmin):
    list_display = ["name", "task", "rank", "is_active", "created_at"]
    list_filter = ["is_active"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "model_kind", "status", "completion_tokens", "created_at"]
    list_filter = ["status", "model_kind"]
    readonly_fields = [f.name for f in Generation._meta.fields]
