"""New task from data, before training: a file of examples read within limits (each refusal
names the row and column), the task's definition checked, the staff pages, the queue."""

import json

import pytest
from django.test import override_settings

from playground import datasets
from playground.datasets import DatasetError, DatasetLimits, read_dataset
from playground.models import TrainingJob
from playground.services import training
from playground.services.training import Definition, TrainingError

LIMITS = DatasetLimits(max_bytes=10_000, max_rows=50, max_columns=3, max_cell_chars=40)


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def test_it_reads_jsonl_and_csv_into_text_columns():
    rows = [{"review": "great", "stars": 5, "ok": True}, {"review": "bad", "stars": 1, "ok": False}]
    data = read_dataset("x.jsonl", jsonl(rows), LIMITS)
    assert data.columns == ["review", "stars", "ok"]
    assert data.rows[0] == {"review": "great", "stars": "5", "ok": "true"}
    csv = '\ufeffreview,label\n"a, quoted ""one""",pos\n\nplain,neg\n'.encode()
    data = read_dataset("x.CSV", csv, LIMITS)
    assert data.columns == ["review", "label"]
    assert data.rows == [
        {"review": 'a, quoted "one"', "label": "pos"},
        {"review": "plain", "label": "neg"},
    ]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("x.txt", b"a,b\n1,2\n", "Upload a .jsonl or a .csv"),
        ("x.csv", b"a,b\n1,2\n" + b"x" * 10_000, "bytes; the limit is 10,000"),
        ("x.csv", b"a,b\n1,\xff\n", "Line 2 is not UTF-8"),
        ("x.csv", b"a,a\n1,2\n", "Row 0, column 'a': This column name appears twice"),
        ("x.csv", b"a,,b\n1,2,3\n", "Row 0: A column has no name"),
        ("x.csv", b"a,b c\n1,2\n", "Row 0, column 'b c': A column name must be"),
        ("x.csv", b"a,b,c,d\n1,2,3,4\n", "Row 0: 4 columns; the limit is 3"),
        ("x.csv", b"a,b\n1,2\n1,2,3\n", "Row 2: 3 values for 2 columns"),
        ("x.csv", b"a,b\n1," + b"y" * 41 + b"\n", "Row 1, column 'b': 41 characters"),
        ("x.csv", b"a,b\n", "The file holds no examples"),
        ("x.csv", b"a,b\n" + b"1,2\n" * 51, "More than 50 examples"),
        ("x.jsonl", b'{"a": "1"}\n{"a": [1]}\n', "Row 2, column 'a': Must be text or a number"),
        ("x.jsonl", b'{"a": "1", "b": "2"}\n{"a": "1"}\n', "Row 2, column 'b': Missing"),
        ("x.jsonl", b'{"a": "1"}\n{"a": "1", "z": "2"}\n', "Row 2, column 'z': Not a column"),
        ("x.jsonl", b'{"a": "1"}\n{"a": \n', "Row 2: Not JSON"),
        ("x.jsonl", b'{"a": "1"}\n[1, 2]\n', "Row 2: Each line must be one JSON object"),
        ("x.jsonl", b'{"a": "1", "a": "2"}\n', "Row 1, column 'a': This key appears twice"),
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_column(name, data, words):
    with pytest.raises(DatasetError) as refused:
        read_dataset(name, data, LIMITS)
    assert words in str(refused.value)


def test_a_template_s_placeholders_must_be_input_columns():
    columns = ["review", "label"]
    assert training.template_problem("Review: {review}\nLabel:", columns, "label") is None
    assert "answer column" in training.template_problem("{review} {label}", columns, "label")
    assert "not a column" in training.template_problem("{text}", columns, "label")
    # a template with no field at all: the catalog's own rule, checked first
    assert "has no {field}" in training.prompt_template_problem("no field")
    assert training.template_problem("{{literal}} {review}", columns, "label") is None


def test_the_split_is_seeded_and_keeps_at_least_twenty_for_the_test():
    rows = list(range(100))
    train, test = datasets.split_rows(rows, 0.1, seed=3)
    assert len(test) == 20 and len(train) == 80 and set(train) | set(test) == set(rows)
    assert datasets.split_rows(rows, 0.1, seed=3) == (train, test)
    assert datasets.split_rows(rows, 0.1, seed=4) != (train, test)
    assert datasets.split_sizes(1000, 0.1) == (900, 100)


@pytest.fixture
def staff_client(client, django_user_model, tmp_path):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    with override_settings(LORALAND_TRAINING_DIR=str(tmp_path / "training")):
        yield client


def reviews(count: int) -> bytes:
    return jsonl(
        {"review": f"review number {i}", "label": "positive" if i % 2 else "negative"}
        for i in range(count)
    )


def upload(client, data: bytes, name="reviews.jsonl"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/staff/training/", {"file": SimpleUploadedFile(name, data)})


@pytest.mark.django_db
def test_the_pages_are_for_staff_only(client, django_user_model):
    assert client.get("/staff/training/").status_code == 302  # to the login
    user = django_user_model.objects.create_user("visitor", password="pw")
    client.force_login(user)
    assert client.get("/staff/training/").status_code == 302


@pytest.mark.django_db
def test_a_refused_file_stores_nothing_and_says_where(staff_client, tmp_path):
    answer = upload(staff_client, b'{"a": "1"}\n{"a": [2]}\n')
    assert answer.status_code == 400
    assert "Row 2, column &#x27;a&#x27;: Must be text" in answer.content.decode()
    assert not TrainingJob.objects.exists() and not (tmp_path / "training").exists()


@pytest.mark.django_db
def test_a_file_is_previewed_then_defined_and_queued(staff_client, monkeypatch):
    queued = []
    monkeypatch.setattr(training, "enqueue_training", queued.append)
    answer = upload(staff_client, reviews(60))
    job = TrainingJob.objects.get()
    assert answer.status_code == 302 and answer.url == f"/staff/training/{job.id}/"
    page = staff_client.get(answer.url).content.decode()
    assert 'data-testid="dataset-preview"' in page and "review number 4" in page
    assert "review number 5" not in page  # five rows shown
    bad = staff_client.post(
        answer.url,
        {"answer_column": "label", "prompt_template": "{review} {label}", "metric": "accuracy",
         "name": "Reviews", "slug": "reviews", "category": "Sentiment"},
    )  # fmt: skip
    assert bad.status_code == 400 and "the prompt must not hold the answer" in bad.content.decode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda f: f())
        started = staff_client.post(
            answer.url,
            {"answer_column": "label", "prompt_template": "Review: {review}\nSentiment:",
             "metric": "accuracy", "name": "Reviews", "slug": "reviews", "category": "Sentiment",
             "steps": "5", "test_share": "0.1"},
        )  # fmt: skip
    assert started.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.slug, job.steps, job.answer_column) == ("queued", "reviews", 5, "label")
    assert queued == [job.id]
    assert training.queue_place(job) == 1
    page = staff_client.get(answer.url).content.decode()
    assert 'data-testid="queue-place"' in page and "1st in the queue" in page


@pytest.mark.django_db
def test_a_definition_is_checked_field_by_field(staff_client, catalog):
    upload(staff_client, reviews(30))
    job = TrainingJob.objects.get()
    with pytest.raises(TrainingError) as refused:
        training.training_start(
            job=job,
            definition=Definition(
                answer_column="label", prompt_template="{review}", metric="bleu", name="",
                slug="glue_sst2", category="x", steps=0, learning_rate=1.0,
            ),
        )  # fmt: skip
    problems = refused.value.problems
    assert set(problems) == {"metric", "name", "slug", "steps", "learning_rate", "test_share"}
    assert "30 examples leave 10 to train on" in problems["test_share"]
    job.refresh_from_db()
    assert job.status == "draft"


@pytest.mark.django_db
def test_a_queued_job_is_cancelled_at_once(staff_client, monkeypatch):
    monkeypatch.setattr(training, "enqueue_training", lambda job_id: None)
    upload(staff_client, reviews(60))
    job = TrainingJob.objects.get()
    job.status = TrainingJob.Status.QUEUED
    job.save()
    staff_client.post(f"/staff/training/{job.id}/cancel/")
    job.refresh_from_db()
    assert job.status == "cancelled" and job.finished_at is not None


@pytest.mark.django_db
def test_a_job_starts_once_and_a_retrain_keeps_to_the_task_s_metric(staff_client, catalog):
    upload(staff_client, reviews(60))
    job = TrainingJob.objects.get()
    spec = {"answer_column": "label", "metric": "accuracy", "steps": 5}
    with pytest.raises(TrainingError) as refused:
        training.training_start(
            job=job, definition=Definition(prompt_template="{review!r}", slug="r", name="R",
                                           category="C", **spec),
        )  # fmt: skip
    assert "without a format spec or conversion" in refused.value.problems["prompt_template"]
    # glue_stsb is scored by 1 - MAE/5, which a trained task here is not
    with pytest.raises(TrainingError) as refused:
        training.training_start(
            job=job, definition=Definition(prompt_template="", task_slug="glue_stsb", **spec)
        )
    assert "is not one a trained task is scored by" in refused.value.problems["task_slug"]
    definition = Definition(prompt_template="{review}", slug="r", name="R", category="C", **spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "enqueue_training", lambda job_id: None)
        training.training_start(job=job, definition=definition)
        with pytest.raises(TrainingError) as refused:  # a second submit of the form
            training.training_start(job=job, definition=definition)
    assert refused.value.problems == {"job": "This job has started already."}


@pytest.mark.django_db
def test_two_jobs_cannot_make_one_new_task_and_the_second_waits_its_turn(staff_client):
    upload(staff_client, reviews(60))
    upload(staff_client, reviews(60))
    first, second = TrainingJob.objects.order_by("created_at")
    spec = {"answer_column": "label", "metric": "accuracy", "prompt_template": "{review}"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "enqueue_training", lambda job_id: None)
        training.training_start(
            job=first, definition=Definition(slug="reviews", name="R", category="C", **spec)
        )
        with pytest.raises(TrainingError) as refused:  # the database's constraint says no
            training.training_start(
                job=second, definition=Definition(slug="reviews", name="R", category="C", **spec)
            )
        assert refused.value.problems == {"slug": "Another job is training a task of this name."}
        training.training_start(
            job=second, definition=Definition(slug="others", name="O", category="C", **spec)
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (training.queue_place(first), training.queue_place(second)) == (1, 2)
