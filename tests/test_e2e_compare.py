"""The compare page in headless Chromium on the real stack: fine-tuned and base answers from a
Celery worker process, the reference from a local OpenAI-compatible server (tests/openai_server.py)
that the worker calls over HTTP, all three streaming into one page at once; Save puts the run in
the gallery."""

import json
import re
import sqlite3
import subprocess

import pytest

from loraland_site.devservices import daphne_command, free_port, stop, wait_for_port

from .conftest import ROOT
from .openai_server import OpenAIServer
from .test_e2e import browser, running_stack  # noqa: F401 (browser is a fixture)

pytestmark = pytest.mark.e2e
PANES = ("finetuned", "base", "reference")
# 40 words, one delta each, 0.12 s apart: the reference streams for about 5 s, long enough that
# the worker's two answers stream while it does, and slowly enough to watch it grow.
REFERENCE_WORDS = [f"word{i}" for i in range(40)]
DELTA_S = 0.12
# At temperature 2 the demo base often ends at once; with this seed both of our models write
# 48 tokens for the first e2e_nlg example (checked on the test demo).
SAMPLING = {"max_new_tokens": 48, "temperature": 2, "seed": 2}

# Every change inside the panes: each pane's text length, taken only while that pane is
# streaming (data-status "running") and the run is still going (Stop enabled).
RECORD_PANE_LENGTHS = """() => {
  window.__samples = [];
  const stop = document.querySelector('[data-testid=stop-button]');
  new MutationObserver(() => {
    for (const model of ['finetuned', 'base', 'reference']) {
      const pane = document.querySelector('[data-testid=pane-' + model + ']');
      const output = pane.querySelector('[data-testid=pane-output]');
      if (pane.dataset.status !== 'running' || output.querySelector('.placeholder')) continue;
      window.__samples.push({model, length: output.textContent.length,
                             t: performance.now(), runGoing: !stop.disabled});
    }
  }).observe(document.querySelector('.panes'),
             {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def reference_api():
    with OpenAIServer(answer=" ".join(REFERENCE_WORDS)) as server:
        server.chunk_delay_s = DELTA_S
        yield server


@pytest.fixture(scope="module")
def compare_stack(demo_config, tmp_path_factory, reference_api):
    with running_stack(
        demo_config,
        tmp_path_factory.mktemp("compare"),
        LORALAND_REFERENCE_URL=reference_api.url,
        LORALAND_REFERENCE_API_KEY=reference_api.api_key,
        LORALAND_REFERENCE_MODEL="gpt-4",
    ) as stack:
        yield stack


@pytest.fixture
def site_without_reference(compare_stack):
    """A second daphne on the same database and Redis, with no reference model configured."""
    env = {k: v for k, v in compare_stack.env.items() if not k.startswith("LORALAND_REFERENCE")}
    port = free_port()
    proc = subprocess.Popen(daphne_command("127.0.0.1", port), cwd=ROOT, env=env)
    try:
        wait_for_port(port, timeout_s=60, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def open_compare(browser, url: str, *, example: int = 0, **sampling):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{url}/compare/e2e_nlg/")
    page.wait_for_function("document.querySelector('[data-testid=ws-status]').dataset.state"
                           " === 'connected'")  # fmt: skip
    page.get_by_test_id("example-chip").nth(example).click()
    if sampling:
        page.get_by_test_id("max-new-tokens").fill(str(sampling["max_new_tokens"]))
        page.get_by_test_id("temperature").evaluate(
            f"el => {{ el.value = '{sampling['temperature']}';"
            " el.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
        page.get_by_test_id("seed").fill(str(sampling["seed"]))
    return page


# Whether Stop was enabled right after compare.js handled the Run (a submit listener on the
# document runs after the form's own): read later, a short answer may already have ended.
WATCH_RUN_STARTS = """() => {
  window.__runStarted = false;
  if (window.__watchingRuns) return;
  window.__watchingRuns = true;
  document.addEventListener('submit', () => {
    window.__runStarted = !document.querySelector('[data-testid=stop-button]').disabled;
  });
}"""


def run(page, *, timeout_ms: int = 90_000) -> None:
    """Press Run and wait until every pane has ended (Stop is disabled again)."""
    page.evaluate(WATCH_RUN_STARTS)
    page.get_by_test_id("run-button").click()
    assert page.evaluate("window.__runStarted"), "Run did not start a run"
    page.wait_for_function(
        "document.querySelector('[data-testid=stop-button]').disabled", timeout=timeout_ms
    )


def pane(page, model: str, part: str = ""):
    found = page.get_by_test_id(f"pane-{model}")
    return found.get_by_test_id(part) if part else found


def test_three_answers_stream_at_once_and_save_puts_the_run_in_the_gallery(
    compare_stack,
    browser,  # noqa: F811
):
    page = open_compare(browser, compare_stack.url, **SAMPLING)
    page.evaluate(RECORD_PANE_LENGTHS)
    run(page)

    samples = page.evaluate("window.__samples")
    windows = {}
    for model in PANES:
        mine = [s for s in samples if s["model"] == model and s["runGoing"]]
        lengths = [s["length"] for s in mine]
        # Several different lengths while it streamed, and more text at the end than at first.
        assert len({n for n in lengths if n > 0}) >= 3, (model, lengths)
        assert lengths[-1] > lengths[0], (model, lengths)
        windows[model] = (mine[0]["t"], mine[-1]["t"])
    # Concurrent, not one after the other: ours grew while the reference was still streaming.
    ref_start, ref_end = windows["reference"]
    for model in ("finetuned", "base"):
        start, end = windows[model]
        assert start < ref_end and end > ref_start, windows

    for model in PANES:
        assert pane(page, model).get_attribute("data-status") == "done"
        stats = pane(page, model, "pane-stats").inner_text()
        assert "TTFT" in stats and "tokens/s" in stats and "tokens" in stats, stats
        pane(page, model, "pane-score").wait_for()  # an example: scored, on the server
    assert pane(page, "reference", "pane-output").inner_text().strip() == " ".join(REFERENCE_WORDS)
    assert "40 tokens" in pane(page, "reference", "pane-stats").inner_text()
    assert page.get_by_test_id("compare-expected").is_visible()
    # The reference answer came from the reference worker, which never loads the model, and
    # held no thread of the inference worker.
    reference_log = compare_stack.reference_worker_log.read_text()
    received = "Task playground.tasks.generate_reference["
    assert received in reference_log and "loading base model" not in reference_log
    assert received not in compare_stack.worker_log.read_text()

    page.get_by_test_id("save-button").click()
    link = page.get_by_test_id("saved-link")
    link.wait_for(timeout=30_000)
    url = link.get_attribute("href")
    entry_id = url.strip("/").rsplit("/", 1)[1]
    assert page.get_by_test_id("save-button").is_disabled()  # one run, one entry

    page.goto(compare_stack.url + "/gallery/")
    entry = page.locator(f'[data-testid="gallery-entry"][data-id="{entry_id}"]')
    entry.wait_for()
    assert "word0 word1 word2" in entry.get_by_test_id("entry-output-reference").inner_text()
    for model in ("finetuned", "base"):
        assert entry.get_by_test_id(f"entry-output-{model}").locator("pre").inner_text().strip()
    assert entry.get_by_test_id("entry-score").count() == 3
    assert entry.get_by_test_id("entry-expected").is_visible()
    outputs = stored_outputs(compare_stack, entry_id)
    assert set(outputs) == set(PANES)
    assert all(o["tokens_per_s"] and o["error"] is None for o in outputs.values())
    assert outputs["reference"]["model"] == "gpt-4"

    pair = '[data-testid="vote-form"][data-opponent="base"]'  # fine-tuned against base
    entry.locator(pair).get_by_test_id("vote-finetuned").click()
    page.wait_for_load_state()
    voted = page.locator(f'[data-testid="gallery-entry"][data-id="{entry_id}"] {pair}')
    assert voted.get_by_test_id("vote-finetuned").get_attribute("aria-pressed") == "true"
    assert "Fine-tuned better" in voted.get_by_test_id("vote-note").inner_text()


def test_a_reference_error_shows_in_its_pane_only(compare_stack, browser, reference_api):  # noqa: F811
    reference_api.mode = "rate_limit"
    try:
        page = open_compare(browser, compare_stack.url)
        run(page)
    finally:
        reference_api.mode = "ok"
    error = pane(page, "reference", "pane-error")
    assert error.is_visible() and "rate limiting" in error.inner_text()
    assert "Try again in 7 s" in error.inner_text()
    assert pane(page, "reference").get_attribute("data-status") == "error"
    for model in ("finetuned", "base"):
        assert pane(page, model).get_attribute("data-status") == "done"
        assert pane(page, model, "pane-error").is_hidden()
        assert "finish: " in pane(page, model, "pane-stats").inner_text()
    assert page.get_by_test_id("error-banner").is_hidden()


# Each pane's data-status at the moment Stop is clicked, taken in the capture phase (before
# compare.js handles the click).
RECORD_STATUS_AT_STOP = """() => {
  document.addEventListener('click', (event) => {
    if (!event.target.closest('[data-testid=stop-button]')) return;
    window.__atStop = {};
    for (const pane of document.querySelectorAll('[data-testid^=pane-][data-model]')) {
      window.__atStop[pane.dataset.model] = pane.dataset.status;
    }
  }, {capture: true});
}"""
# The reference is streaming (3 of its 40 words shown, so about 4 s to go) and so is at least
# one of our models (some text, far from its 256 tokens).
REFERENCE_AND_AN_ENGINE_STREAMING = """() => {
  const pane = (m) => document.querySelector('[data-testid=pane-' + m + ']');
  const text = (m) => pane(m).querySelector('[data-testid=pane-output]').textContent;
  const streaming = (m) => pane(m).dataset.status === 'running' && text(m).length > 0
    && !pane(m).querySelector('.placeholder');
  return streaming('reference') && text('reference').includes('word2')
    && (streaming('finetuned') || streaming('base'));
}"""


def test_stop_cancels_every_answer_still_streaming(compare_stack, browser, reference_api):  # noqa: F811
    # At temperature 2 with this seed the fine-tuned model writes all 256 tokens and the base
    # 119 (checked on the test demo), at tens of tokens/s here; the reference streams its 40
    # words over about 5 s (slowly, not stalled).
    page = open_compare(browser, compare_stack.url, max_new_tokens=256, temperature=2, seed=2)
    page.evaluate(RECORD_STATUS_AT_STOP)
    reference_api.hung_up.clear()
    page.get_by_test_id("run-button").click()
    page.wait_for_function(REFERENCE_AND_AN_ENGINE_STREAMING, polling="raf", timeout=60_000)
    page.get_by_test_id("stop-button").click()
    page.wait_for_function("document.querySelector('[data-testid=stop-button]').disabled")

    at_stop = page.evaluate("window.__atStop")
    streaming = {model for model, status in at_stop.items() if status == "running"}
    assert "reference" in streaming and streaming & {"finetuned", "base"}, at_stop
    for model in streaming:  # every pane Stop found streaming was stopped, none finished
        stats = pane(page, model, "pane-stats").inner_text()
        assert pane(page, model).get_attribute("data-status") == "cancelled", (model, stats)
        assert "finish: cancelled" in stats, (model, stats)
    assert "word39" not in pane(page, "reference", "pane-output").inner_text()
    assert reference_api.hung_up.wait(10)  # the worker closed the API connection
    for model in streaming - {"reference"}:  # cut short: fewer than the 256 tokens asked for
        tokens = int(re.search(r"(\d+) tokens", pane(page, model, "pane-stats").inner_text())[1])
        assert tokens < 256, (model, tokens)


def test_the_scores_of_an_earlier_run_never_land_on_a_new_one(compare_stack, browser):  # noqa: F811
    page = open_compare(browser, compare_stack.url)
    held = []  # the first run's score request, answered only once a second run is going

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/score/", hold_the_first)
    run(page)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the first run asked for no scores"

    page.get_by_test_id("run-button").click()  # the same example: this run is scored too
    page.wait_for_function(
        "document.querySelector('[data-testid=pane-reference] [data-testid=pane-output]')"
        ".textContent.includes('word0')"
    )
    with page.expect_response("**/score/") as late:
        held[0].continue_()
    assert late.value.ok
    page.wait_for_timeout(500)  # time for compare.js to read it
    assert page.get_by_test_id("stop-button").is_enabled()  # the second run is still going
    for model in PANES:  # the first run's scores are not put on the second run's panes
        assert pane(page, model, "pane-score").is_hidden(), model

    page.wait_for_function(
        "document.querySelector('[data-testid=stop-button]').disabled", timeout=90_000
    )
    for model in PANES:  # the second run's own scores are
        pane(page, model, "pane-score").wait_for()


def test_without_a_reference_model_its_pane_shows_a_kept_answer_and_no_operator_talk(
    compare_stack,
    site_without_reference,
    browser,  # noqa: F811
):
    compare_stack.manage(
        "shell",
        "-c",
        "from playground.models import ReferenceOutput, Task; "
        "from playground.prompts import render_prompt; "
        "t = Task.objects.get(slug='e2e_nlg'); "
        "from playground.models import template_digest; "
        "ReferenceOutput.objects.create(task=t, model_name='gpt-4-0613', output='Kept answer.', "
        "prompt=render_prompt(t.prompt_template, t.examples[1]['inputs']), "
        "template_sha256=template_digest(t.prompt_template))",
    )
    page = open_compare(browser, site_without_reference, example=3)  # nothing kept for it
    note = pane(page, "reference", "pane-note")
    assert note.inner_text() == "No reference answer is kept for this input."
    assert pane(page, "reference").get_attribute("data-status") == "unconfigured"
    assert "LORALAND_" not in page.content() and "manage.py" not in page.content()

    page.get_by_test_id("example-chip").nth(1).click()
    assert pane(page, "reference", "pane-output").inner_text().strip() == "Kept answer."
    assert note.inner_text() == "A kept answer of gpt-4-0613."
    run(page)
    for model in ("finetuned", "base"):
        assert pane(page, model).get_attribute("data-status") == "done"
    assert pane(page, "reference").get_attribute("data-status") == "stored"
    pane(page, "reference", "pane-score").wait_for()  # the kept answer is scored too
    page.get_by_test_id("example-chip").nth(1).click()  # the run's own example: nothing changes
    assert pane(page, "base").get_attribute("data-status") == "done"
    assert page.get_by_test_id("save-button").is_enabled()

    # Another input after the run: its answers are not of this input, so all three panes are
    # cleared (the reference shows what is kept for the new input: nothing) and Save has no
    # run to save until the next one.
    page.get_by_test_id("example-chip").nth(3).click()
    for model in ("finetuned", "base"):
        assert pane(page, model).get_attribute("data-status") == "idle"
        assert pane(page, model, "pane-output").inner_text().strip() == ""
        assert pane(page, model, "pane-stats").is_hidden()
        assert pane(page, model, "pane-score").is_hidden()
    assert pane(page, "reference").get_attribute("data-status") == "unconfigured"
    assert pane(page, "reference", "pane-output").inner_text().strip() == ""
    assert pane(page, "reference", "pane-score").is_hidden()
    assert page.get_by_test_id("compare-expected").is_hidden()
    assert page.get_by_test_id("save-button").is_disabled()

    page.get_by_test_id("example-chip").nth(1).click()
    assert pane(page, "reference", "pane-output").inner_text().strip() == "Kept answer."
    assert pane(page, "base").get_attribute("data-status") == "idle"
    run(page)
    page.get_by_test_id("save-button").click()
    page.get_by_test_id("saved-link").wait_for(timeout=30_000)
    entry_id = page.get_by_test_id("saved-link").get_attribute("href").strip("/").split("/")[-1]
    kept = stored_outputs(compare_stack, entry_id)["reference"]
    assert kept["text"] == "Kept answer." and kept["model"] == "gpt-4-0613"


def stored_outputs(stack, comparison_id: str) -> dict:
    with sqlite3.connect(stack.db_path) as db:
        (raw,) = db.execute(
            "select outputs from playground_comparison where id = ?", (int(comparison_id),)
        ).fetchone()
    return json.loads(raw)


# What markdown rendering used to eat: GSM8K's final-answer marker (a heading in Markdown) and
# a Python body's indentation.
AS_WRITTEN = "Two apples and two more:\n2 + 2 = 4\n    def add(a, b):\n        return a + b\n#### 4"


def test_answers_are_shown_as_the_model_wrote_them_live_and_kept(
    compare_stack,
    site_without_reference,
    browser,  # noqa: F811
    reference_api,
):
    reference_api.answer = AS_WRITTEN
    reference_api.chunk_delay_s = 0
    try:
        page = open_compare(browser, compare_stack.url, example=2)
        run(page)
    finally:
        reference_api.answer, reference_api.chunk_delay_s = " ".join(REFERENCE_WORDS), DELTA_S
    live = pane(page, "reference", "pane-output")
    assert live.inner_text() == AS_WRITTEN  # every space, line break and "####" kept
    assert live.get_attribute("aria-live") == "polite"
    assert live.locator("h1, h2, h3, h4, strong").count() == 0
    page.get_by_test_id("save-button").click()
    page.get_by_test_id("save-status").filter(has_text="Saved").wait_for()

    # Kept: the same answer, stored, is shown by the site without a reference model.
    kept = open_compare(browser, site_without_reference, example=2)
    assert pane(kept, "reference", "pane-output").inner_text() == AS_WRITTEN
    gallery = browser.new_page()
    gallery.goto(compare_stack.url + "/gallery/?task=e2e_nlg")
    stored = gallery.get_by_test_id("entry-output-reference").first.locator("pre")
    assert stored.inner_text() == AS_WRITTEN


def test_an_empty_answer_is_explained_and_has_no_rate(compare_stack, browser, reference_api):  # noqa: F811
    reference_api.answer = ""
    try:
        page = open_compare(browser, compare_stack.url)
        run(page)
    finally:
        reference_api.answer = " ".join(REFERENCE_WORDS)
    output = pane(page, "reference", "pane-output")
    assert output.inner_text() == "The model ended its answer at once, with no text."
    assert "tokens/s" not in pane(page, "reference", "pane-stats").inner_text()
