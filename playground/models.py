"""The rows the playground keeps: tasks, adapters, generations, evaluations, reference answers,
comparisons and votes."""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models


class Task(models.Model):
    """One of the LoRA Land tasks: how to prompt it, how to score it, what the report found."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    category = models.CharField(max_length=64)
    metric = models.CharField(max_length=64)
    description = models.CharField(max_length=255)
    source_dataset = models.CharField(max_length=128, blank=True)
    prompt_template = models.TextField(help_text="str.format template with {field} names")
    fields = models.JSONField(default=list, help_text="input field names, in order")
    optional_fields = models.JSONField(
        default=list, blank=True, help_text="fields a prompt may leave blank"
    )
    output_format = models.TextField(blank=True, help_text="what an answer looks like")

    class AnswerFormat(models.TextChoices):
        TEXT = "text", "plain text, its spaces and line breaks kept"
        CODE = "code", "code, in a monospace block"
        MARKDOWN = "markdown", "Markdown, rendered"

    # How pages show an answer: as the model wrote it, unless the task's output is Markdown
    # (rendering would eat the characters a metric reads, e.g. GSM8K's "#### 4").
    answer_format = models.CharField(
        max_length=16, choices=AnswerFormat.choices, default=AnswerFormat.TEXT
    )
    examples = models.JSONField(default=list, help_text='[{"inputs": {...}, "expected": "..."}]')
    paper_base = models.FloatField(null=True, blank=True)
    paper_finetuned = models.FloatField(null=True, blank=True)
    paper_gpt4 = models.FloatField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # {field: hash of the value `load_tasks` last wrote}: a field whose value no longer has
    # that hash was edited (e.g. in the admin), and `load_tasks` leaves it as it is
    shipped = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active_adapter(self) -> "Adapter | None":
        return self.adapters.filter(is_active=True).order_by("-created_at").first()


class Adapter(models.Model):
    """A LoRA adapter directory under LORALAND_ADAPTER_DIR that serves one task.

    Built demo adapters live at `<slug>/`; uploads at `<family>/<version>/`, so a new version
    is a new name the workers read from disk on first use (hot-load) while requests on the
    old one finish on it. The task serves its newest active adapter.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="adapters")
    name = models.CharField(max_length=128, unique=True, help_text="path under the adapter dir")
    family = models.CharField(
        max_length=96, blank=True, help_text="the adapter's name without the version"
    )
    version = models.PositiveIntegerField(default=1)
    rank = models.PositiveIntegerField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    target_modules = models.JSONField(default=list)
    base_model = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Generation(models.Model):
    """One answer of one model to one prompt, streamed to a browser and kept afterwards."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        CANCELLED = "cancelled"
        ERROR = "error"

    class ModelKind(models.TextChoices):
        FINETUNED = "finetuned"
        BASE = "base"
        REFERENCE = "reference"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # None: the API's base model under its own name, prompted raw, of no task
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="generations", null=True, blank=True
    )
    model_kind = models.CharField(max_length=16, choices=ModelKind.choices)
    adapter_name = models.CharField(max_length=128, blank=True)
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    client_ref = models.CharField(max_length=128, blank=True)
    inputs = models.JSONField(default=dict)
    prompt = models.TextField()
    # A conversation for the base model's chat template (the API's chat completions on the
    # base model's own name); then `prompt` is only its last message, for reading.
    messages = models.JSONField(null=True, blank=True)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    output = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=16, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    ttft_ms = models.FloatField(null=True, blank=True)
    tokens_per_s = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    # The Celery worker running it ("" until one does): a running row whose worker's heartbeat
    # has expired is failed as WORKER_LOST (playground/reaper.py).
    worker = models.CharField(max_length=255, blank=True)
    # What the answer was made with: the site's base model when it was asked for, and the
    # task's template the prompt was rendered from ("" for a raw prompt, or not known).
    base_model = models.CharField(max_length=128, blank=True)
    template_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task.slug if self.task else 'raw'} {self.model_kind} {self.status}"


class EvaluationRun(models.Model):
    """One `manage.py evaluate`: which models were scored on which tasks, and the means."""

    created_at = models.DateTimeField(auto_now_add=True)
    model_kinds = models.JSONField(default=list)
    tasks = models.JSONField(default=list)
    limit = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, help_text='{"tasks": {slug: {model: score}}, "mean": {...}}'
    )
    # Scores of another base model, or of prompts from other templates, are not comparable.
    base_model = models.CharField(max_length=128, blank=True)
    templates = models.JSONField(
        default=dict, blank=True, help_text="{slug: SHA-256 of the task's prompt template}"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"evaluation {self.pk} ({', '.join(self.model_kinds)})"


class EvaluationResult(models.Model):
    """One test example scored for one model in one run."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="evaluation_results")
    model_kind = models.CharField(max_length=16)
    index = models.PositiveIntegerField()
    inputs = models.JSONField(default=dict)
    expected = models.TextField()
    output = models.TextField()
    score = models.FloatField()

    class Meta:
        ordering = ["run", "task", "index", "model_kind"]
        indexes = [models.Index(fields=["task", "model_kind"])]

    def __str__(self) -> str:
        return f"{self.task.slug} {self.model_kind} #{self.index}: {self.score:.2f}"


def prompt_digest(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()


def template_digest(template: str) -> str:
    """SHA-256 hex of a task's prompt template, kept with what was rendered from it."""
    return hashlib.sha256(template.encode()).hexdigest()


def current_base_model() -> str:
    """The name of the base model this site serves: LORALAND_BASE_MODEL's last path part."""
    return Path(settings.LORALAND_BASE_MODEL).name


class ReferenceOutput(models.Model):
    """A reference model's (e.g. GPT-4's) answer to one prompt, imported or fetched live.

    Looked up by task and prompt through the prompt's SHA-256: a PostgreSQL B-tree index
    cannot hold a long prompt itself (rows over ~2.7 kB are refused). It answers only while
    the task's template is the one it was stored under (template_sha256).
    """

    class Source(models.TextChoices):
        IMPORT = "import"  # manage.py import_reference
        LIVE = "live"  # fetched from the configured endpoint (evaluate)

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reference_outputs")
    prompt = models.TextField()
    prompt_sha256 = models.CharField(max_length=64, editable=False)
    inputs = models.JSONField(default=dict, blank=True, help_text="empty when imported as a prompt")
    output = models.TextField()
    model_name = models.CharField(max_length=128)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.IMPORT)
    # The task's template when stored; the reference is not our base model, so no base here.
    template_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["task", "prompt_sha256"])]

    def __str__(self) -> str:
        return f"{self.task.slug} {self.model_name} ({self.source})"

    def save(self, *args, **kwargs):
        self.prompt_sha256 = prompt_digest(self.prompt)
        super().save(*args, **kwargs)


class Comparison(models.Model):
    """One input answered by the fine-tuned, base and reference models: the gallery's entries."""

    class Source(models.TextChoices):
        COMPARE = "compare"  # saved from the compare page
        EVALUATE = "evaluate"  # a best or worst example saved by `manage.py evaluate`

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comparisons")
    inputs = models.JSONField(default=dict)
    prompt = models.TextField()
    expected = models.TextField(blank=True)
    # {"finetuned" | "base" | "reference": {"text", "score", "model", "ttft_ms",
    #   "tokens_per_s", "completion_tokens", "error"}}
    outputs = models.JSONField(default=dict, help_text="each model's answer and its figures")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.COMPARE)
    featured = models.BooleanField(default=False)
    session_key = models.CharField(max_length=64, blank=True)
    # The gallery shows only entries of the current base model and task template.
    base_model = models.CharField(max_length=128, blank=True)
    template_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-featured", "-created_at"]

    def __str__(self) -> str:
        return f"{self.task.slug} comparison {self.pk}"


class Vote(models.Model):
    """A visitor's verdict on one pair of a comparison's answers, the fine-tuned model's against
    the base's or the reference's: one per pair and browser session. Only a pair whose two
    answers exist is counted (a vote cast against a missing answer before this rule is kept,
    and not counted: migration 0012)."""

    class Opponent(models.TextChoices):
        BASE = "base", "Base model"
        REFERENCE = "reference", "Reference"

    class Choice(models.TextChoices):
        FINETUNED = "finetuned", "Fine-tuned better"
        BASE = "base", "Base better"
        REFERENCE = "reference", "Reference better"
        TIE = "tie", "Tie"
        BOTH_BAD = "both_bad", "Both bad"

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="votes")
    session_key = models.CharField(max_length=64)
    opponent = models.CharField(max_length=16, choices=Opponent.choices, default=Opponent.REFERENCE)
    choice = models.CharField(max_length=16, choices=Choice.choices)
    blind = models.BooleanField(default=False, help_text="cast without the models' names")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "session_key", "opponent"],
                name="one_vote_per_pair_and_session",
            )
        ]

    def __str__(self) -> str:
        return f"{self.comparison} vs {self.opponent}: {self.choice}"


class ApiKey(models.Model):
    """A key to the OpenAI-compatible API (/v1/). Only its SHA-256 is kept: the key itself is
    shown once, when it is made (`manage.py create_api_key`, or the admin)."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, help_text="the key's first characters, to tell it")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Empty: the site's defaults (LORALAND_API_REQUESTS_PER_MINUTE, LORALAND_API_MAX_CONCURRENT);
    # 0: no limit.
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True)
    max_concurrent = models.PositiveIntegerField(
        null=True, blank=True, help_text="requests in flight at once, streamed or not"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class TrainingJob(models.Model):
    """A new task trained from a file of examples ("New task from data"): the file's rows are
    kept beside it under LORALAND_TRAINING_DIR/<id>/, the task's definition here until
    the adapter is registered as the task's next version."""

    class Status(models.TextChoices):
        DRAFT = "draft"  # the file is read; the task is not defined yet
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Phase(models.TextChoices):
        PREPARING = "preparing"
        TRAINING = "training"
        EVALUATING = "evaluating"
        REGISTERING = "registering"

    class Metric(models.TextChoices):
        ACCURACY = "accuracy", "accuracy (labels normalised)"
        ROUGE = "rouge", "ROUGE-L"
        EXACT_MATCH = "exact_match", "exact match"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    phase = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    file_name = models.CharField(max_length=255)
    columns = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    # The task: a new one (slug, name, category), or an existing one retrained (task set)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_jobs"
    )
    slug = models.SlugField(max_length=64, blank=True)
    name = models.CharField(max_length=128, blank=True)
    category = models.CharField(max_length=64, blank=True)
    prompt_template = models.TextField(blank=True)
    answer_column = models.CharField(max_length=64, blank=True)
    metric = models.CharField(max_length=32, choices=Metric.choices, blank=True)
    test_share = models.FloatField(default=0.1)
    seed = models.PositiveIntegerField(default=0)
    steps = models.PositiveIntegerField(default=80)
    learning_rate = models.FloatField(default=3e-3)
    base_model = models.CharField(max_length=255, blank=True)
    # Progress, kept as it goes so that a reloaded page finds it
    step = models.PositiveIntegerField(default=0)
    losses = models.JSONField(default=list, blank=True)
    steps_per_s = models.FloatField(null=True, blank=True)
    scores = models.JSONField(
        default=dict, blank=True
    )  # {"base": x, "finetuned": y, "examples": n}
    adapter = models.ForeignKey(
        Adapter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Registered but not served: it scored no better than the base model, until a person says
    needs_confirmation = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # two jobs making one new task at once: the second would fail only at the end
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(status__in=["queued", "running"], task__isnull=True),
                name="one_live_job_per_new_task_slug",
            )
        ]

    def __str__(self) -> str:
        return f"{self.slug or self.file_name} ({self.status})"

    @property
    def ended(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)
