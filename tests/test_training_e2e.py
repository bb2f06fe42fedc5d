"""New task from data, end to end on the real stack of test_e2e.py plus a Celery worker of the
"training" queue: in headless Chromium a staff user uploads a file of examples, sees its
preview, writes the template (checked as it is typed), starts the training and watches its
progress arrive over the WebSocket; the adapter is evaluated, registered as version 1 of a new
task and streams an answer through the inference worker, with no restart. A second job is
cancelled mid-training and leaves nothing behind."""

import json
import signal
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from loraland_site.devservices import stop

from . import test_e2e
from .test_e2e import Stack, one_generation, running_stack, start_worker

pytestmark = pytest.mark.e2e
browser = test_e2e.browser
STAFF_USER = (
    "from django.contrib.auth.models import User; "
    "User.objects.create_user('trainer', password='trainer-pw', is_staff=True)"
)
TEMPLATE = "Review: {review}\nSentiment:"
GOOD = ["good", "great", "lovely", "fine", "warm"]
BAD = ["bad", "awful", "dull", "poor", "cold"]


@pytest.fixture(scope="module")
def training_stack(demo_config, tmp_path_factory):
    """The real stack, with folders of its own, and a training worker (one job at a time)."""
    workdir = tmp_path_factory.mktemp("training-stack")
    settings = {
        "LORALAND_ADAPTER_DIR": str(workdir / "adapters"),
        "LORALAND_TRAINING_DIR": str(workdir / "training"),
    }
    with running_stack(demo_config, workdir, **settings) as stack:
        stack.manage("shell", "-c", STAFF_USER)
        stack.training_workers = [start_training_worker(stack, workdir / "training-worker.log")]
        try:
            yield stack
        finally:
            for worker in stack.training_workers:
                stop(worker)


def start_training_worker(stack: Stack, log_path: Path) -> subprocess.Popen:
    return start_worker(stack.env, log_path, queues="training", concurrency=1, name="training@%h")


def reviews_file(folder: Path, count: int) -> Path:
    """Short reviews whose sentiment is in their words: an easy task, learnt in a few steps."""
    path = folder / "reviews.jsonl"
    with path.open("w") as out:
        for i in range(count):
            positive = i % 2 == 0
            word = (GOOD if positive else BAD)[i % 5]
            review = f"the film was {word} and the cast {word}"
            label = "positive" if positive else "negative"
            out.write(json.dumps({"review": review, "label": label}) + "\n")
    return path


def log_in(page, stack: Stack) -> None:
    page.goto(stack.url + "/admin/login/?next=/staff/training/")
    page.fill("#id_username", "trainer")
    page.fill("#id_password", "trainer-pw")
    page.click("[type=submit]")
    page.wait_for_url("**/staff/training/")


def job_row(stack: Stack, job_id: str) -> dict:
    with sqlite3.connect(stack.db_path) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "select * from playground_trainingjob where id = ?", (job_id.replace("-", ""),)
        ).fetchone()
    return dict(row)


def wait_for_row(stack: Stack, job_id: str, done, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while not done(job_row(stack, job_id)):
        assert time.monotonic() < deadline, job_row(stack, job_id)
        time.sleep(0.5)


def upload_and_define(page, stack, folder: Path, count: int, slug: str, steps: int) -> str:
    """Upload a file, define the task on its page and start it; the job's id."""
    page.goto(stack.url + "/staff/training/")
    page.set_input_files('[data-testid="dataset-file"]', str(reviews_file(folder, count)))
    page.click("text=Read the file")
    page.wait_for_selector('[data-testid="dataset-preview"]')
    job_id = page.url.rstrip("/").rsplit("/", 1)[1]
    page.select_option('[data-testid="answer-column"]', "label")
    page.fill('[data-testid="template"]', TEMPLATE)
    page.fill('[data-testid="task-name"]', f"Reviews {slug}")
    page.fill('[data-testid="task-slug-new"]', slug)
    page.fill('[data-testid="task-category"]', "Sentiment")
    page.select_option('[data-testid="metric"]', "accuracy")
    page.fill('input[name="test_share"]', "0.3")
    page.fill('[data-testid="steps"]', str(steps))
    page.click('[data-testid="start-training"]')
    page.wait_for_selector('[data-testid="training-progress"]')
    return job_id


ENDED = (
    "['Done', 'Failed', 'Cancelled'].includes("
    "document.querySelector('[data-testid=training-status]').textContent)"
)
# The page shows a step of the run before the last one: progress arrives live
MID_RUN = (
    "/^([1-9]|[12][0-9]) \\/ 30$/.test("
    "document.querySelector('[data-testid=training-step]').textContent)"
)


def test_a_task_is_trained_from_a_file_in_the_browser_and_answers(
    training_stack, browser, tmp_path
):
    stack = training_stack
    page = browser.new_page()
    log_in(page, stack)
    page.set_input_files('[data-testid="dataset-file"]', str(reviews_file(tmp_path, 80)))
    page.click("text=Read the file")
    preview = page.get_by_test_id("dataset-preview")
    assert preview.locator("th").all_text_contents() == ["review", "label"]
    assert preview.locator("tbody tr").count() == 5

    # The template is checked as it is typed, and the first row's prompt shown.
    page.fill('[data-testid="template"]', "Review: {review} {label}")
    assert "must not hold the answer" in page.get_by_test_id("template-check").inner_text()
    page.fill('[data-testid="template"]', "Review: {text}")
    assert "not a column of the file" in page.get_by_test_id("template-check").inner_text()
    page.fill('[data-testid="template"]', TEMPLATE)
    assert page.get_by_test_id("template-check").inner_text() == (
        "Every placeholder is an input column."
    )
    sample = page.get_by_test_id("template-sample").inner_text()
    assert sample.startswith("Review: the film was good and the cast good\nSentiment:")
    assert sample.endswith("positive")

    job_id = page.url.rstrip("/").rsplit("/", 1)[1]
    page.fill('[data-testid="task-name"]', "Film reviews")
    page.fill('[data-testid="task-slug-new"]', "film-reviews")
    page.fill('[data-testid="task-category"]', "Sentiment")
    page.select_option('[data-testid="metric"]', "accuracy")
    page.fill('input[name="test_share"]', "0.3")
    page.fill('[data-testid="steps"]', "30")
    page.click('[data-testid="start-training"]')
    page.wait_for_selector('[data-testid="training-progress"]')
    page.wait_for_function(MID_RUN, timeout=180_000)
    assert page.get_by_test_id("training-phase").inner_text() == "training"  # the phase, live
    drawn = page.locator('[data-testid="loss-curve"] polyline').get_attribute("points")
    assert 1 <= len(drawn.split()) < 30
    page.reload()  # a reload mid-run picks the progress up again
    # it ends by reloading itself into the finished page, with the task's links
    page.wait_for_function(ENDED, timeout=300_000)
    error = page.get_by_test_id("training-error").inner_text()
    assert page.get_by_test_id("training-status").inner_text() == "Done", error
    page.wait_for_selector('[data-testid="task-link"]')
    assert page.get_by_test_id("training-step").inner_text() == "30 / 30"
    assert float(page.get_by_test_id("training-speed").inner_text()) > 0  # steps a second
    points = page.locator('[data-testid="loss-curve"] polyline').get_attribute("points")
    assert len(points.split()) == 30  # a point a step

    row = job_row(stack, job_id)
    assert (row["status"], row["error"], row["step"]) == ("done", "", 30)
    losses = json.loads(row["losses"])
    assert len(losses) == 30 and losses[-1] < losses[0]
    scores = json.loads(row["scores"])
    assert scores["examples"] == 24 and 0 <= scores["base"] <= 1
    with sqlite3.connect(stack.db_path) as db:
        task = db.execute(
            "select id, prompt_template, metric from playground_task where slug = 'film-reviews'"
        ).fetchone()
        adapter = db.execute(
            "select name, version, is_active from playground_adapter where task_id = ?", task[:1]
        ).fetchone()
        runs = db.execute("select tasks from playground_evaluationrun").fetchall()
    assert task[1:] == (TEMPLATE, "accuracy")
    assert adapter[:2] == ("film-reviews/1", 1)
    assert ["film-reviews"] in [json.loads(tasks) for (tasks,) in runs]  # its leaderboard row
    if row["needs_confirmation"]:  # no better than the base: served once a person says so
        assert not adapter[2]
        page.click("text=Serve it anyway")
        page.wait_for_load_state()

    # The new task answers through the running inference worker: no restart.
    request = {
        "type": "generate", "task": "film-reviews", "model": "finetuned",
        "inputs": {"review": "the film was great and the cast great"},
        "params": {"max_new_tokens": 4}, "client_ref": "trained",
    }  # fmt: skip
    with ThreadPoolExecutor(1) as thread:  # off Playwright's event loop
        frames = thread.submit(one_generation, stack.url, request).result()
    assert frames[0]["type"] == "started" and frames[-1]["type"] == "done", frames
    page.goto(stack.url + "/tasks/film-reviews/")
    assert "Film reviews" in page.content()
    # its page tells how its adapter was trained, with the scores and the loss curve
    trained = page.get_by_test_id("task-training")
    assert "from 80 examples (reviews.jsonl), 30 steps" in " ".join(trained.inner_text().split())
    curve = trained.locator('[data-testid="task-loss-curve"] polyline').get_attribute("points")
    assert len(curve.split()) == 30


def test_a_training_job_cancelled_midway_leaves_nothing(training_stack, browser, tmp_path):
    stack = training_stack
    page = browser.new_page()
    log_in(page, stack)
    job_id = upload_and_define(page, stack, tmp_path, 80, "cancelled-reviews", steps=2000)
    # wait for live steps, then cancel
    wait_for_row(stack, job_id, lambda row: row["step"] >= 3)  # training, live
    page.click('[data-testid="cancel-training"]')
    wait_for_row(stack, job_id, lambda row: row["status"] == "cancelled", timeout_s=60)
    row = job_row(stack, job_id)
    assert row["step"] < 2000 and row["adapter_id"] is None
    with sqlite3.connect(stack.db_path) as db:
        assert not db.execute(
            "select 1 from playground_task where slug = 'cancelled-reviews'"
        ).fetchone()
    assert not (Path(stack.env["LORALAND_TRAINING_DIR"]) / job_id / "work").exists()
    assert not (Path(stack.env["LORALAND_ADAPTER_DIR"]) / "cancelled-reviews").exists()


def test_retraining_a_task_makes_its_next_version(training_stack, browser, tmp_path):
    stack = training_stack
    page = browser.new_page()
    log_in(page, stack)
    page.goto(stack.url + "/staff/training/")
    page.set_input_files('[data-testid="dataset-file"]', str(reviews_file(tmp_path, 60)))
    page.click("text=Read the file")
    page.select_option('[data-testid="answer-column"]', "label")
    page.select_option('[data-testid="task-slug"]', "film-reviews")
    page.fill('input[name="test_share"]', "0.34")
    page.fill('[data-testid="steps"]', "5")
    page.click('[data-testid="start-training"]')
    page.wait_for_function(ENDED, timeout=300_000)
    assert page.get_by_test_id("training-status").inner_text() == "Done"
    with sqlite3.connect(stack.db_path) as db:
        versions = db.execute(
            "select a.name, a.version from playground_adapter a join playground_task t "
            "on a.task_id = t.id where t.slug = 'film-reviews' order by a.version"
        ).fetchall()
        (template,) = db.execute(
            "select prompt_template from playground_trainingjob order by created_at desc"
        ).fetchone()
    assert versions == [("film-reviews/1", 1), ("film-reviews/2", 2)]
    assert template == TEMPLATE  # the task's own, though the form's was left empty


def test_a_training_job_whose_worker_dies_is_failed_with_the_reason(
    training_stack, browser, tmp_path
):
    stack = training_stack
    page = browser.new_page()
    log_in(page, stack)
    job_id = upload_and_define(page, stack, tmp_path, 80, "orphaned-reviews", steps=2000)
    wait_for_row(stack, job_id, lambda row: row["step"] >= 3)  # training, live
    killed = time.monotonic()
    stack.training_workers[-1].send_signal(signal.SIGKILL)
    # the open page learns it from its socket's watch (reaper.reap_training)
    page.wait_for_function(ENDED, timeout=60_000)
    assert time.monotonic() - killed < 30
    assert page.get_by_test_id("training-status").inner_text() == "Failed"
    assert "training worker stopped" in page.get_by_test_id("training-error").inner_text()
    row = job_row(stack, job_id)
    assert row["status"] == "failed" and row["adapter_id"] is None
    log = Path(stack.db_path).parent / "training-worker-2.log"
    stack.training_workers.append(start_training_worker(stack, log))  # for what comes after
