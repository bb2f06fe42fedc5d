// Compare page: one input, three answers streaming side by side on one WebSocket:
// three `generate` messages, their frames routed to a pane by generation_id (or
// client_ref, before the server has named the generation). Panes: the task's
// fine-tuned adapter, the base model, and the reference model (GPT-4 or another
// OpenAI-compatible API). A failure shows in its own pane; the others carry on.
// When all have finished the server scores them (for an example's input) and
// Save keeps the run in the gallery. The panes show one run, of the input in the
// form: changing the input (outside a run) clears them, so Save saves what is shown.
//
// Security, as in task.js: text goes into the DOM through textContent; model
// output only through LoraRender.renderAnswer (as written, or DOMPurify'd Markdown).
"use strict";

(function () {
  const { byTestId, el, randomId, readPageData, formatStats, emptyAnswerText } = window.Lora;
  // The panes the page has: no reference pane on a site with no reference model and no
  // answer of one kept for this task.
  const MODELS = ["finetuned", "base", "reference"].filter((model) => byTestId("pane-" + model));
  const LIVE = ["queued", "running"];

  const pageData = readPageData();
  const task = pageData.task || {};
  const examples = Array.isArray(task.examples) ? task.examples : [];
  const referenceInfo = pageData.reference || {};
  const urls = pageData.urls || {};

  const form = document.getElementById("generate-form");
  const runButton = byTestId("run-button");
  const stopButton = byTestId("stop-button");
  const saveButton = byTestId("save-button");
  const saveStatus = byTestId("save-status");
  const expectedBox = byTestId("compare-expected");
  const errorBanner = byTestId("error-banner");

  const panes = {};
  for (const model of MODELS) panes[model] = makePane(model);
  const panesByClientRef = new Map();
  const panesByGenerationId = new Map();
  let shownExample = null; // the example index of the run in the panes (null: typed inputs)

  const promptForm = window.LoraPromptForm.create({
    task,
    limits: pageData.limits,
    defaults: pageData.defaults,
    onChange: (index) => {
      if (!running()) clearRun(index);
    },
  });

  // ------------------------------------------------------------------- panes

  function makePane(model) {
    const root = byTestId("pane-" + model);
    const part = (name) => root.querySelector('[data-testid="' + name + '"]');
    return {
      model,
      root,
      output: part("pane-output"),
      note: part("pane-note"),
      error: part("pane-error"),
      stats: part("pane-stats"),
      score: part("pane-score"),
      indicator: root.querySelector(".streaming-indicator"),
      status: "idle",
      rawText: "",
      clientRef: null,
      generationId: null,
      sent: false,
      stopping: false,
    };
  }

  function resetPane(pane) {
    pane.rawText = "";
    pane.clientRef = null;
    pane.generationId = null;
    pane.sent = false;
    pane.stopping = false;
    pane.output.replaceChildren();
    pane.output.classList.remove("is-empty");
    for (const node of [pane.note, pane.error, pane.stats, pane.score]) {
      node.hidden = true;
      node.textContent = "";
    }
    setStatus(pane, "idle");
  }

  function setStatus(pane, status) {
    pane.status = status;
    pane.root.dataset.status = status;
    pane.indicator.hidden = !LIVE.includes(status);
  }

  function setNote(pane, text) {
    pane.note.textContent = text || "";
    pane.note.hidden = !text;
  }

  // The whole (growing) answer is re-rendered on each chunk: Markdown needs the
  // full text to parse correctly, and answers are a few hundred tokens at most.
  function renderOutput(pane) {
    const finished = pane.status === "done" || pane.status === "cancelled";
    const empty = pane.rawText === "" && finished;
    pane.output.classList.toggle("is-empty", empty);
    if (pane.rawText === "" && LIVE.includes(pane.status)) {
      pane.output.replaceChildren(el("span", "placeholder", "…"));
    } else if (empty) {
      pane.output.replaceChildren(el("span", "empty-answer", emptyAnswerText(pane.status)));
    } else {
      window.LoraRender.renderAnswer(pane.output, pane.rawText, task.answer_format);
    }
  }

  function finishPane(pane, done) {
    if (typeof done.text === "string") pane.rawText = done.text; // authoritative
    const cancelled = done.finish_reason === "cancelled";
    setNote(pane, "");
    setStatus(pane, cancelled ? "cancelled" : "done");
    renderOutput(pane);
    const usage = done.usage || {};
    pane.stats.textContent = formatStats({
      ttft_ms: done.ttft_ms,
      tokens_per_s: done.tokens_per_s,
      completion_tokens: usage.completion_tokens,
      finish_reason: done.finish_reason,
    });
    pane.stats.classList.toggle("is-cancelled", cancelled);
    pane.stats.hidden = false;
    afterPaneEnded();
  }

  function failPane(pane, message, code) {
    setNote(pane, "");
    setStatus(pane, "error");
    renderOutput(pane);
    pane.error.textContent = message || "Something went wrong.";
    if (code) pane.error.dataset.code = code;
    pane.error.hidden = false;
    afterPaneEnded();
  }

  // With no live reference model, its pane (there when answers of one are kept
  // for this task) shows the answer kept for the chosen example, if any.
  function showReferenceFallback(exampleIndex) {
    if (referenceInfo.configured || !panes.reference) return;
    const pane = panes.reference;
    resetPane(pane);
    const stored = exampleIndex == null ? null : (referenceInfo.stored || [])[exampleIndex];
    if (stored) {
      setStatus(pane, "stored");
      setNote(pane, "A kept answer of " + (stored.model || "the reference model") + ".");
      pane.rawText = stored.text;
      renderOutput(pane);
    } else {
      setStatus(pane, "unconfigured");
      setNote(pane, "No reference answer is kept for this input.");
    }
  }

  // -------------------------------------------------------------------- a run

  function running() {
    return MODELS.some((m) => LIVE.includes(panes[m].status));
  }

  function liveModels() {
    return MODELS.filter((model) => model !== "reference" || referenceInfo.configured);
  }

  function onRun(event) {
    event.preventDefault();
    if (running()) return;
    const request = promptForm.read();
    if (!request) return;
    hideBanner();
    panesByClientRef.clear();
    panesByGenerationId.clear();
    shownExample = promptForm.exampleIndex();
    showExpected(shownExample);
    saveStatus.replaceChildren();
    showReferenceFallback(shownExample);
    for (const model of liveModels()) startPane(panes[model], request);
    updateButtons();
  }

  // The input changed after a run: its answers (and scores) are no longer of the input in
  // the form, so all three panes are cleared and Save has nothing to save until the next
  // run. The reference pane shows what is kept for the new input, as before any run.
  // Picking the run's own example again changes nothing.
  function clearRun(exampleIndex) {
    if (exampleIndex != null && exampleIndex === shownExample) return;
    shownExample = null;
    hideBanner();
    panesByClientRef.clear();
    panesByGenerationId.clear();
    for (const model of MODELS) resetPane(panes[model]);
    showReferenceFallback(exampleIndex);
    showExpected(null);
    saveStatus.replaceChildren();
    saveButton.dataset.saved = "";
    updateButtons();
  }

  function startPane(pane, request) {
    resetPane(pane);
    pane.clientRef = randomId();
    panesByClientRef.set(pane.clientRef, pane);
    setStatus(pane, "queued");
    renderOutput(pane);
    pane.sent = socket.send({
      type: "generate",
      task: task.slug,
      model: pane.model,
      inputs: request.inputs,
      params: request.params,
      client_ref: pane.clientRef,
    });
    if (!pane.sent) setNote(pane, "Waiting for the connection to the server…");
  }

  function showExpected(exampleIndex) {
    const example = exampleIndex == null ? null : examples[exampleIndex];
    const expected = example && example.expected;
    expectedBox.querySelector("pre").textContent = expected || "";
    expectedBox.hidden = !expected;
  }

  function onStop() {
    for (const model of MODELS) stopPane(panes[model]);
    updateButtons();
  }

  function stopPane(pane) {
    if (!LIVE.includes(pane.status) || pane.stopping) return;
    pane.stopping = true;
    if (socket.stop(pane)) setNote(pane, "Stopping…");
    else finishPane(pane, { finish_reason: "cancelled" });  // it never left the browser
  }

  function afterPaneEnded() {
    updateButtons();
    if (!running() && Object.keys(generationIds()).length) scoreRun();
  }

  function generationIds() {
    const ids = {};
    for (const model of MODELS) {
      if (panes[model].generationId) ids[model] = panes[model].generationId;
    }
    return ids;
  }

  /** Whether `ids` (from generationIds()) are still those of the run in the panes. */
  function isShownRun(ids) {
    const shown = generationIds();
    const models = Object.keys(ids);
    return models.length === Object.keys(shown).length && models.every((m) => shown[m] === ids[m]);
  }

  function updateButtons() {
    const busy = running();
    runButton.disabled = busy;
    stopButton.disabled = !busy;
    saveButton.disabled = busy || !Object.keys(generationIds()).length || saveButton.dataset.saved === "1";
    if (busy) saveButton.dataset.saved = "";
  }

  // ------------------------------------------------------- scores and saving

  async function postJson(url, body) {
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      return { ok: response.ok, data };
    } catch (err) {
      return { ok: false, data: { error: { message: "The server could not be reached." } } };
    }
  }

  function errorText(data) {
    return (data && data.error && data.error.message) || "The server refused the request.";
  }

  // Scores are computed on the server, from the stored answers, with the
  // task's metric (magicoder's code runs in the sandbox subprocess there).
  async function scoreRun() {
    const ids = generationIds();
    const { ok, data } = await postJson(urls.score, { generation_ids: ids });
    if (!isShownRun(ids)) return; // a new run, or a new input, replaced these answers
    if (!ok) {
      showBanner("Could not score the answers: " + errorText(data));
      return;
    }
    if (!data.expected) return; // not an example: nothing to score against
    for (const [model, output] of Object.entries(data.outputs || {})) {
      const score = output.score;
      if (!panes[model] || score == null) continue;
      const pane = panes[model];
      pane.score.textContent = "score " + Number(score).toFixed(3);
      pane.score.className = "example-score pane-score outcome-" + outcome(score);
      pane.score.hidden = false;
    }
  }

  function outcome(score) {
    return score >= 0.999 ? "pass" : score <= 0.001 ? "fail" : "partial";
  }

  async function onSave() {
    const ids = generationIds();
    saveButton.disabled = true;
    saveStatus.textContent = "Saving…";
    const { ok, data } = await postJson(urls.save, { generation_ids: ids });
    if (!isShownRun(ids)) return; // the panes have moved on; their Save state was reset
    if (!ok) {
      saveStatus.textContent = "Not saved: " + errorText(data);
      updateButtons();
      return;
    }
    saveButton.dataset.saved = "1";
    const link = el("a", null, "gallery entry #" + data.id);
    link.href = data.url;
    link.dataset.testid = "saved-link";
    saveStatus.replaceChildren("Saved: ", link);
  }

  // ---------------------------------------------------------------- the socket

  function paneFor(msg) {
    if (msg.generation_id && panesByGenerationId.has(msg.generation_id)) {
      return panesByGenerationId.get(msg.generation_id);
    }
    if (msg.client_ref && panesByClientRef.has(msg.client_ref)) {
      return panesByClientRef.get(msg.client_ref);
    }
    return null; // a frame of an earlier run
  }

  function handleMessage(msg) {
    const pane = paneFor(msg);
    if (msg.type === "error" && !pane) return showBanner(msg.message || msg.code || "Error.");
    if (!pane) return undefined;
    switch (msg.type) {
      case "started": return onStarted(pane, msg);
      case "token": return onToken(pane, msg);
      case "done": return finishPane(pane, msg);
      case "error": return failPane(pane, msg.message || msg.code, msg.code);
      default: return undefined; // unknown types are ignored on purpose (forward compatibility)
    }
  }

  function onStarted(pane, msg) {
    pane.generationId = msg.generation_id;
    panesByGenerationId.set(msg.generation_id, pane);
    if (pane.status === "queued") setStatus(pane, "running");
    // Stop was pressed before the server had named the generation.
    if (pane.stopping) socket.send({ type: "cancel", generation_id: pane.generationId });
  }

  function onToken(pane, msg) {
    if (typeof msg.text !== "string" || !LIVE.includes(pane.status)) return; // a late chunk
    pane.rawText += msg.text;
    setStatus(pane, "running");
    renderOutput(pane);
  }

  function onSent(message) {
    const pane = message.type === "generate" && panesByClientRef.get(message.client_ref);
    if (pane) {
      pane.sent = true;
      setNote(pane, "");
    }
  }

  // A stream lives on one connection: what was in flight on a lost one is over.
  function onLost() {
    for (const model of MODELS) {
      const pane = panes[model];
      if (LIVE.includes(pane.status) && pane.sent) {
        failPane(pane, "Connection lost before the answer finished. Please run again.", "disconnected");
      }
    }
  }

  // -------------------------------------------------------------- error banner

  function showBanner(message) {
    errorBanner.querySelector(".banner-text").textContent = message;
    errorBanner.hidden = false;
  }

  function hideBanner() {
    errorBanner.hidden = true;
  }

  // -------------------------------------------------------------------- wiring

  const socket = window.LoraSocket.open({
    path: pageData.ws_path,
    status: byTestId("ws-status"),
    onMessage: handleMessage,
    onSent,
    onLost,
  });

  form.addEventListener("submit", onRun);
  stopButton.addEventListener("click", onStop);
  saveButton.addEventListener("click", onSave);
  errorBanner.querySelector(".banner-close").addEventListener("click", hideBanner);
  showReferenceFallback(null);
  updateButtons();
})();
