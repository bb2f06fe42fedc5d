"""Issue 6 end to end, on the real stack of test_e2e.py: a staff user uploads an adapter made
with PEFT's own API through the admin form in headless Chromium, and it answers over the
WebSocket through the running worker process, with no restart; a second version lands while
requests on the first stream, and those finish on the first."""

import json
import os
import re
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from . import test_e2e
from .peft_adapters import CONFIG_FILE, WEIGHTS_FILE, save_peft_adapter, zip_bytes
from .test_e2e import Stack, one_generation, running_stack

pytestmark = pytest.mark.e2e
browser = test_e2e.browser  # the fixture: headless Debian Chromium
UPLOAD_PATH = "/admin/playground/adapter/upload/"
CHANGELIST_PATH = "/admin/playground/adapter/"
MAX_NEW_TOKENS = 500  # the test base's context is 512 tokens
OPENING = "Write one sentence that expresses all of the"
STAFF_USER = (
    "from django.contrib.auth.models import Permission, User; "
    "user = User.objects.create_user('curator', password='curator-pw', is_staff=True); "
    "user.user_permissions.set(Permission.objects.filter(codename__in=["
    "'add_adapter', 'change_adapter', 'view_adapter', 'add_task', 'view_task']))"
)
# Records what the upload form's status line says (the upload script's progress), in
# sessionStorage so that it outlives the move to the adapter list.
RECORD_UPLOAD_STATUS = """() => {
  const status = document.querySelector('[data-testid="upload-status"]');
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.uploadStatus || "[]");
    sessionStorage.uploadStatus = JSON.stringify([...seen, status.textContent]);
  }).observe(status, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def upload_stack(demo_config, tmp_path_factory):
    """The real stack with an adapter folder of its own (uploads never touch var/test)."""
    workdir = tmp_path_factory.mktemp("upload-stack")
    settings = {
        "LORALAND_ADAPTER_DIR": str(workdir / "adapters"),
        "LORALAND_MAX_NEW_TOKENS": str(MAX_NEW_TOKENS),
    }
    with running_stack(demo_config, workdir, **settings) as stack:
        stack.manage("shell", "-c", STAFF_USER)
        yield stack


@pytest.fixture(scope="module")
def peft_uploads(demo_config, tmp_path_factory) -> tuple[Path, Path]:
    """Version 1 as a folder (its two files are uploaded), version 2 as a .zip."""
    folder = tmp_path_factory.mktemp("peft")
    first = save_peft_adapter(demo_config.base_dir, folder / "v1", seed=1)
    second = save_peft_adapter(demo_config.base_dir, folder / "v2", seed=2)
    archive = folder / "sentence-starts-v2.zip"
    archive.write_bytes(zip_bytes(second))
    return first, archive


def log_in(page, stack: Stack) -> None:
    page.goto(stack.url + "/admin/login/?next=" + UPLOAD_PATH)
    page.fill("#id_username", "curator")
    page.fill("#id_password", "curator-pw")
    page.click("[type=submit]")
    page.wait_for_url("**" + UPLOAD_PATH)


def submit_upload(page) -> float:
    """Submit the filled-in form; the moment (perf_counter) its response arrived."""

    def is_upload(response) -> bool:
        return response.url.endswith(UPLOAD_PATH) and response.request.method == "POST"

    with page.expect_response(is_upload, timeout=60_000) as caught:
        page.get_by_test_id("upload-submit").click()
    arrived = time.perf_counter()
    # JSON is the success answer (the page then moves on, and the body is gone); a refusal
    # is the form again, with the reason.
    if "application/json" not in caught.value.headers.get("content-type", ""):
        pytest.fail("upload refused: " + page.get_by_test_id("upload-error").inner_text())
    return arrived


def generate_request(ref: str, **params) -> dict:
    return {
        "type": "generate",
        "task": "sentence-starts",
        "model": "finetuned",
        "inputs": {"opening": OPENING},
        "params": {"max_new_tokens": 16, **params},
        "client_ref": ref,
    }


def adapter_of(stack: Stack, generation_id: str) -> str:
    with sqlite3.connect(stack.db_path) as db:
        (name,) = db.execute(
            "select adapter_name from playground_generation where id = ?",
            (generation_id.replace("-", ""),),
        ).fetchone()
    return name


def test_an_adapter_uploaded_in_the_admin_answers_at_once(upload_stack, browser, peft_uploads):
    stack, (first, second_zip) = upload_stack, peft_uploads
    page = browser.new_page()
    log_in(page, stack)

    # A new task and its first adapter, uploaded as the adapter's two files.
    page.set_input_files("#id_files", [str(first / CONFIG_FILE), str(first / WEIGHTS_FILE)])
    page.fill("#id_task_name", "Sentence starts")
    page.fill("#id_category", "Demo")
    page.select_option("#id_metric", "rouge")
    page.fill("#id_prompt_template", "{opening}")
    page.fill("#id_example_inputs", json.dumps([{"opening": OPENING}]))
    page.evaluate(RECORD_UPLOAD_STATUS)
    # A slow link (4 KB/s up), so that the upload takes a few seconds and the bar moves.
    link = page.context.new_cdp_session(page)
    link.send("Network.enable")
    slow = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 4096}
    link.send("Network.emulateNetworkConditions", slow)
    uploaded_at = submit_upload(page)
    link.send("Network.emulateNetworkConditions", {**slow, "uploadThroughput": -1})
    first_token_at = []

    def note_first_token(frame):
        if frame["type"] == "token" and not first_token_at:
            first_token_at.append(time.perf_counter())

    # temperature 1 with a seed: sampled, so an answer that ends at once is most unlikely
    request = generate_request("v1", temperature=1.0, seed=0)
    frames = in_thread(one_generation, stack.url, request, 0, note_first_token)
    seconds = first_token_at[0] - uploaded_at
    print(f"\nupload response -> first token of the new adapter: {seconds:.3f} s")
    assert frames[-1]["type"] == "done", frames
    assert adapter_of(stack, frames[0]["generation_id"]) == "sentence-starts/1"
    assert seconds < 5  # the bound; typically a small fraction of it

    page.wait_for_url("**" + CHANGELIST_PATH)
    row = page.locator("#result_list tr", has_text="sentence-starts/1")
    assert "serving" in row.inner_text() and "curator" in row.inner_text()
    assert "q_proj, v_proj" in row.inner_text()
    status_lines = page.evaluate("JSON.parse(sessionStorage.uploadStatus || '[]')")
    assert any("checking the adapter" in line for line in status_lines), status_lines
    sent = [float(m[1]) for line in status_lines if (m := re.match(r"([\d.]+) KB of", line))]
    assert len(sent) >= 2 and sent == sorted(sent) and sent[0] < sent[-1], status_lines
    page.goto(stack.url + "/")  # the catalog shows the new task at once
    page.locator('[data-testid="task-card"][href="/tasks/sentence-starts/"]').wait_for()

    # Version 2 (a .zip) lands while requests on version 1 stream: they finish on version 1.
    page.goto(stack.url + UPLOAD_PATH)
    page.set_input_files("#id_files", str(second_zip))
    page.select_option("#id_task", label="Sentence starts")
    in_flight = requests_across(stack, lambda: submit_upload(page), count=6)
    for frames, _ in in_flight:
        assert frames[-1]["type"] == "done", frames
        assert adapter_of(stack, frames[0]["generation_id"]) == "sentence-starts/1"
    across = sum(after_upload for _, after_upload in in_flight)
    print(f"{across} of {len(in_flight)} requests on version 1 streamed across the upload of 2")
    assert across  # they were in flight when version 2 landed, and finished on version 1

    frames = in_thread(one_generation, stack.url, generate_request("v2"))
    assert frames[-1]["type"] == "done", frames
    assert adapter_of(stack, frames[0]["generation_id"]) == "sentence-starts/2"
    assert stack.worker_log.read_text().count("loading base model") == 1  # never restarted


def requests_across(stack: Stack, do_upload, *, count: int) -> list[tuple[list, bool]]:
    """Start `count` long sampled requests; once all stream (or ended), freeze the worker so
    that those still running stay in flight, upload, then let the worker go on. For each
    request: its frames, and whether tokens of it arrived after the upload's response."""
    streaming, token_times = threading.Semaphore(0), {}

    def stamp(ref):
        def on_frame(frame):
            if frame["type"] == "token":
                token_times.setdefault(ref, []).append(time.perf_counter())
            if frame["type"] in ("done", "error") or len(token_times.get(ref, ())) == 1:
                streaming.release()

        return on_frame

    requests = [
        generate_request(f"long{i}", max_new_tokens=MAX_NEW_TOKENS, temperature=2.0, seed=i)
        for i in range(count)
    ]
    with ThreadPoolExecutor(count) as pool:
        futures = [
            pool.submit(one_generation, stack.url, r, 0, stamp(r["client_ref"])) for r in requests
        ]
        for _ in requests:
            assert streaming.acquire(timeout=60)
        freeze(stack.worker.pid, stack.db_path)
        try:
            uploaded_at = do_upload()
        finally:
            os.kill(stack.worker.pid, signal.SIGCONT)
        results = [future.result(timeout=120) for future in futures]
    return [
        (frames, max(token_times.get(r["client_ref"], [0])) > uploaded_at)
        for r, frames in zip(requests, results, strict=True)
    ]


def freeze(pid: int, db_path: Path) -> None:
    """SIGSTOP the worker at a moment it holds no write lock on the database: frozen while
    writing (a request starting or finishing), it would keep the upload waiting."""
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        if database_is_writable(db_path):
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.01)
    pytest.fail("the worker kept the database locked")


def database_is_writable(db_path: Path) -> bool:
    db = sqlite3.connect(db_path, timeout=0)
    try:
        db.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails at once
        db.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()


def in_thread(function, *args):
    """Run the WebSocket client on a thread of its own: its asyncio loop and Playwright's
    sync API do not share one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result(timeout=120)
