// Task page: build the prompt form from page-data, talk to the generation
// server over one WebSocket, and stream answers into the conversation.
//
// The server renders the static frame (header, sampling controls, empty
// conversation list) and a JSON blob (#page-data).  Everything that depends on
// the task's template fields, examples and history is built here.
//
// Security rules for this file:
//   * user inputs, prompts, stats and error messages go into the DOM through
//     textContent only;
//   * model output goes through LoraRender.renderInto (marked + DOMPurify),
//     never straight into innerHTML.
"use strict";

(function () {
  const MODEL_LABELS = { finetuned: "Fine-tuned adapter", base: "Base model" };
  const RECONNECT_MIN_MS = 500;
  const RECONNECT_MAX_MS = 15000;

  const pageData = readPageData();
  const task = pageData.task || {};
  const fields = Array.isArray(task.fields) ? task.fields : [];
  const examples = Array.isArray(task.examples) ? task.examples : [];
  const limits = Object.assign({ max_new_tokens: 256, max_prompt_chars: 8000 }, pageData.limits);
  const defaults = Object.assign({ max_new_tokens: 64, temperature: 0.0, top_p: 1.0 }, pageData.defaults);

  const form = document.getElementById("generate-form");
  const fieldsBox = document.getElementById("fields");
  const examplesBox = document.getElementById("examples");
  const exampleChipsBox = document.getElementById("example-chips");
  const expectedHint = byTestId("expected-answer");
  const promptToggle = byTestId("prompt-toggle");
  const promptWrap = document.getElementById("prompt-preview-wrap");
  const promptPreview = byTestId("prompt-preview");
  const promptLength = document.getElementById("prompt-length");
  const modelSelect = byTestId("model-select");
  const maxTokensInput = byTestId("max-new-tokens");
  const temperatureInput = byTestId("temperature");
  const temperatureReadout = document.getElementById("temperature-value");
  const topPInput = byTestId("top-p");
  const topPReadout = document.getElementById("top-p-value");
  const formError = byTestId("form-error");
  const sendButton = byTestId("send-button");
  const stopButton = byTestId("stop-button");
  const wsStatus = byTestId("ws-status");
  const errorBanner = byTestId("error-banner");
  const conversation = byTestId("conversation");
  const conversationEmpty = document.getElementById("conversation-empty");

  /** textarea elements keyed by field name */
  const fieldInputs = new Map();

  // ---------------------------------------------------------------- helpers

  function byTestId(id) {
    return document.querySelector('[data-testid="' + id + '"]');
  }

  function readPageData() {
    const node = document.getElementById("page-data");
    try {
      return JSON.parse(node ? node.textContent : "{}") || {};
    } catch (err) {
      console.error("page-data is not valid JSON", err);
      return {};
    }
  }

  /** Create an element with a class and optional text (always textContent). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  }

  /** "question_1" -> "Question 1", "sentenceTwo" -> "Sentence two" */
  function humanizeFieldName(name) {
    const words = String(name)
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/[_\-.]+/g, " ")
      .trim()
      .toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  // crypto.randomUUID only exists in secure contexts (https or localhost), so
  // fall back to getRandomValues on plain-http deployments.
  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function truncate(text, max) {
    const oneLine = String(text).replace(/\s+/g, " ").trim();
    return oneLine.length > max ? oneLine.slice(0, max - 1) + "…" : oneLine;
  }

  // ------------------------------------------------------------ prompt form

  function buildFields() {
    fieldsBox.replaceChildren();
    for (const name of fields) {
      const wrap = el("div", "field");
      const label = el("label", "field-label", humanizeFieldName(name));
      label.htmlFor = "field-" + name;
      const textarea = document.createElement("textarea");
      textarea.id = "field-" + name;
      textarea.name = name;
      textarea.dataset.field = name;
      textarea.rows = 3;
      textarea.spellcheck = false;
      textarea.addEventListener("input", onFieldInput);
      wrap.append(label, textarea);
      fieldsBox.append(wrap);
      fieldInputs.set(name, textarea);
    }
  }

  function buildExampleChips() {
    if (examples.length === 0) return;
    examples.forEach((example, index) => {
      const inputs = (example && example.inputs) || {};
      const firstValue = fields.length ? inputs[fields[0]] : "";
      const chip = el("button", "chip example-chip");
      chip.type = "button";
      chip.dataset.testid = "example-chip";
      chip.dataset.index = String(index);
      chip.append(el("span", "chip-title", "Example " + (index + 1)));
      if (firstValue) chip.append(el("span", "chip-snippet", truncate(firstValue, 38)));
      chip.title = truncate(firstValue || "", 300);
      chip.addEventListener("click", () => applyExample(index));
      exampleChipsBox.append(chip);
    });
    examplesBox.hidden = false;
  }

  function applyExample(index) {
    const example = examples[index] || {};
    fillInputs(example.inputs || {});
    for (const chip of exampleChipsBox.children) {
      chip.classList.toggle("is-active", chip.dataset.index === String(index));
    }
    if (example.expected != null && example.expected !== "") {
      expectedHint.replaceChildren(
        el("span", "expected-label", "Reference answer: "),
        el("span", "expected-text", example.expected),
      );
      expectedHint.hidden = false;
    } else {
      expectedHint.hidden = true;
    }
    clearFormError();
  }

  function fillInputs(inputs) {
    for (const [name, textarea] of fieldInputs) {
      textarea.value = inputs[name] == null ? "" : String(inputs[name]);
      textarea.removeAttribute("aria-invalid");
      autoGrow(textarea);
    }
    updatePromptPreview();
  }

  function readInputs() {
    const inputs = {};
    for (const [name, textarea] of fieldInputs) inputs[name] = textarea.value;
    return inputs;
  }

  // Mirrors the server's template filling: each "{field}" placeholder is
  // replaced by that field's value, in one pass, so braces inside a value (or
  // "{other}" that is not a field) are left alone.
  function renderPrompt(template, inputs) {
    return String(template || "").replace(/\{([A-Za-z0-9_]+)\}/g, (match, name) =>
      Object.prototype.hasOwnProperty.call(inputs, name) ? inputs[name] : match,
    );
  }

  function updatePromptPreview() {
    const prompt = renderPrompt(task.template, readInputs());
    promptPreview.textContent = prompt;
    promptLength.textContent = prompt.length + " / " + limits.max_prompt_chars + " characters";
    promptLength.classList.toggle("is-over", prompt.length > limits.max_prompt_chars);
  }

  function togglePrompt() {
    const open = promptWrap.hidden;
    promptWrap.hidden = !open;
    promptToggle.setAttribute("aria-expanded", String(open));
    promptToggle.lastChild.textContent = open ? " Hide prompt" : " Show prompt";
    if (open) updatePromptPreview();
  }

  // Let textareas grow with their content (up to a CSS max-height) so long
  // passages stay readable without a tiny scroll box.
  function autoGrow(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + 2 + "px";
  }

  function onFieldInput(event) {
    const textarea = event.target;
    textarea.removeAttribute("aria-invalid");
    autoGrow(textarea);
    // The reference answer belonged to the untouched example.
    expectedHint.hidden = true;
    for (const chip of exampleChipsBox.children) chip.classList.remove("is-active");
    updatePromptPreview();
  }

  // --------------------------------------------------------- sampling controls

  function initControls() {
    maxTokensInput.max = String(limits.max_new_tokens);
    maxTokensInput.value = String(Math.min(defaults.max_new_tokens, limits.max_new_tokens));
    temperatureInput.value = String(defaults.temperature);
    topPInput.value = String(defaults.top_p);
    updateReadouts();
    temperatureInput.addEventListener("input", updateReadouts);
    topPInput.addEventListener("input", updateReadouts);
  }

  function updateReadouts() {
    temperatureReadout.textContent = Number(temperatureInput.value).toFixed(2);
    topPReadout.textContent = Number(topPInput.value).toFixed(2);
  }

  function readParams() {
    return {
      max_new_tokens: Number(maxTokensInput.value),
      temperature: Number(temperatureInput.value),
      top_p: Number(topPInput.value),
    };
  }

  // ---------------------------------------------------------------- validation

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = false;
  }

  function clearFormError() {
    formError.hidden = true;
    formError.textContent = "";
  }

  /** Returns an error message, or null when the form can be sent. */
  function validateForm(inputs, params, prompt) {
    const missing = [];
    for (const [name, textarea] of fieldInputs) {
      const empty = inputs[name].trim() === "";
      if (empty) {
        textarea.setAttribute("aria-invalid", "true");
        missing.push(humanizeFieldName(name));
      }
    }
    if (missing.length) {
      const first = fieldInputs.get(fields.find((f) => inputs[f].trim() === ""));
      if (first) first.focus();
      return "Please fill in every field: " + missing.join(", ") + " is empty.";
    }
    const n = params.max_new_tokens;
    if (!Number.isInteger(n) || n < 1 || n > limits.max_new_tokens) {
      maxTokensInput.focus();
      return "Max new tokens must be a whole number from 1 to " + limits.max_new_tokens + ".";
    }
    if (prompt.length > limits.max_prompt_chars) {
      return "The prompt is " + prompt.length + " characters long; the limit is " +
        limits.max_prompt_chars + ". Shorten the inputs.";
    }
    return null;
  }

  // -------------------------------------------------------------- error banner

  function showBanner(message) {
    errorBanner.querySelector(".banner-text").textContent = message;
    errorBanner.hidden = false;
  }

  function hideBanner() {
    errorBanner.hidden = true;
  }

  // -------------------------------------------------------------- conversation

  // A turn object holds the DOM nodes and state of one request/answer pair.
  const turnsByClientRef = new Map();
  const turnsByGenerationId = new Map();
  /** The turn that is waiting for / receiving an answer, or null. */
  let activeTurn = null;

  function createTurn({ inputs, prompt, model, clientRef, generationId, status }) {
    const li = el("li", "turn");

    const user = el("div", "turn-user");
    user.append(el("div", "turn-role", "You"));
    const dl = el("dl", "turn-inputs");
    const names = fields.length ? fields : Object.keys(inputs || {});
    for (const name of names) {
      const row = el("div", "turn-input");
      row.append(el("dt", null, humanizeFieldName(name)), el("dd", null, (inputs || {})[name] ?? ""));
      dl.append(row);
    }
    user.append(dl);
    if (prompt) {
      const details = el("details", "turn-prompt");
      details.append(el("summary", null, "Prompt"), el("pre", "prompt-preview", prompt));
      user.append(details);
    }

    const answer = el("div", "turn-model");
    const head = el("div", "turn-role");
    const modelBadge = el("span", "badge badge-model");
    const indicator = el("span", "streaming-indicator");
    indicator.setAttribute("role", "status");
    indicator.setAttribute("aria-label", "generating");
    indicator.append(el("i"), el("i"), el("i"));
    const statusBadge = el("span", "badge badge-status");
    statusBadge.hidden = true;
    head.append(el("span", null, "Model"), modelBadge, indicator, statusBadge);
    const note = el("p", "turn-note");
    note.hidden = true;
    const output = el("div", "answer markdown");
    const errorBox = el("div", "turn-error");
    errorBox.dataset.testid = "turn-error";
    errorBox.setAttribute("role", "alert");
    errorBox.hidden = true;
    const stats = el("div", "stats");
    stats.hidden = true;
    answer.append(head, note, output, errorBox, stats);

    li.append(user, answer);
    conversation.append(li);
    conversationEmpty.hidden = true;

    const turn = {
      li, output, stats, errorBox, indicator, statusBadge, modelBadge, note,
      clientRef: clientRef || null,
      generationId: generationId || null,
      rawText: "",
      status: status || "queued",
      sent: false,
      stopping: false,
    };
    setTurnModel(turn, model);
    if (turn.clientRef) turnsByClientRef.set(turn.clientRef, turn);
    if (turn.generationId) turnsByGenerationId.set(turn.generationId, turn);
    markCurrent(turn);
    setTurnStatus(turn, turn.status);
    return turn;
  }

  // Exactly one element carries data-testid="output" / "stats": the latest
  // turn's.  Older turns keep their content but lose the markers.
  function markCurrent(turn) {
    for (const node of conversation.querySelectorAll('[data-testid="output"], [data-testid="stats"]')) {
      node.removeAttribute("data-testid");
    }
    turn.output.dataset.testid = "output";
    turn.stats.dataset.testid = "stats";
    for (const li of conversation.querySelectorAll(".turn.is-current")) li.classList.remove("is-current");
    turn.li.classList.add("is-current");
  }

  function setTurnModel(turn, model) {
    const key = model === "base" ? "base" : "finetuned";
    turn.model = key;
    turn.modelBadge.textContent = MODEL_LABELS[key];
    turn.modelBadge.dataset.model = key;
  }

  function setTurnStatus(turn, status) {
    turn.status = status;
    turn.li.dataset.status = status;
    const live = status === "queued" || status === "running";
    turn.indicator.hidden = !(live && turn === activeTurn);
    turn.statusBadge.hidden = !(status === "cancelled" || status === "error");
    turn.statusBadge.textContent = status === "cancelled" ? "cancelled" : status === "error" ? "error" : "";
    turn.statusBadge.dataset.status = status;
    renderTurnOutput(turn);
  }

  function setTurnNote(turn, text) {
    turn.note.textContent = text || "";
    turn.note.hidden = !text;
  }

  // Re-render the whole (growing) answer on every change: Markdown needs the
  // full text to parse correctly, and answers are at most a few hundred tokens.
  function renderTurnOutput(turn) {
    const waiting = turn.status === "queued" || turn.status === "running";
    // "(empty answer)" only makes sense for an answer that finished normally.
    const finished = turn.status === "done" || turn.status === "cancelled";
    turn.output.classList.toggle("is-empty", turn.rawText === "" && finished);
    if (turn.rawText === "" && waiting) {
      turn.output.replaceChildren(el("span", "placeholder", "…"));
      return;
    }
    window.LoraRender.renderInto(turn.output, turn.rawText);
  }

  function formatStats({ ttft_ms, tokens_per_s, prompt_tokens, completion_tokens, finish_reason }) {
    const parts = [];
    if (ttft_ms != null) parts.push("TTFT " + Math.round(ttft_ms) + " ms");
    if (tokens_per_s != null) parts.push(Number(tokens_per_s).toFixed(1) + " tokens/s");
    if (prompt_tokens != null || completion_tokens != null) {
      parts.push((prompt_tokens ?? "?") + " prompt + " + (completion_tokens ?? "?") + " completion tokens");
    }
    parts.push("finish: " + (finish_reason || "unknown"));
    return parts.join(" · ");
  }

  function showStats(turn, info) {
    turn.stats.textContent = formatStats(info);
    turn.stats.classList.toggle("is-cancelled", info.finish_reason === "cancelled");
    turn.stats.hidden = false;
  }

  function finishTurn(turn, done) {
    if (typeof done.text === "string") turn.rawText = done.text; // authoritative
    const cancelled = done.finish_reason === "cancelled";
    setTurnNote(turn, "");
    releaseActive(turn);
    setTurnStatus(turn, cancelled ? "cancelled" : "done");
    const usage = done.usage || {};
    showStats(turn, {
      ttft_ms: done.ttft_ms,
      tokens_per_s: done.tokens_per_s,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      finish_reason: done.finish_reason,
    });
  }

  function failTurn(turn, message, code) {
    setTurnNote(turn, "");
    releaseActive(turn);
    turn.errorBox.textContent = message || "Something went wrong.";
    if (code) turn.errorBox.dataset.code = code;
    turn.errorBox.hidden = false;
    setTurnStatus(turn, "error");
  }

  function restoreHistory(history) {
    for (const item of history) {
      const turn = createTurn({
        inputs: item.inputs || {},
        prompt: item.prompt,
        model: item.model,
        generationId: item.id,
        status: item.status,
      });
      turn.rawText = item.output || "";
      if (item.status === "error") {
        failTurn(turn, item.error_message, null);
      } else if (item.status === "done" || item.status === "cancelled") {
        setTurnStatus(turn, item.status);
        showStats(turn, {
          ttft_ms: item.ttft_ms,
          tokens_per_s: item.tokens_per_s,
          prompt_tokens: item.prompt_tokens,
          completion_tokens: item.completion_tokens,
          finish_reason: item.finish_reason || (item.status === "cancelled" ? "cancelled" : null),
        });
      } else {
        // Started before this page loaded: this socket will not receive its
        // stream, so say so instead of spinning forever.
        setTurnStatus(turn, item.status || "running");
        setTurnNote(turn, "Still " + (item.status || "running") +
          " when this page loaded; reload the page to see the result.");
      }
    }
  }

  // ------------------------------------------------------------- running state

  function setActive(turn) {
    activeTurn = turn;
    updateButtons();
  }

  function releaseActive(turn) {
    if (activeTurn === turn) {
      activeTurn = null;
      turn.indicator.hidden = true;
    }
    updateButtons();
  }

  function updateButtons() {
    sendButton.disabled = activeTurn !== null;
    stopButton.disabled = activeTurn === null || activeTurn.stopping;
  }

  // ---------------------------------------------------------------- websocket

  let socket = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  let reconnectTimer = null;
  let leavingPage = false;
  /** Messages written while the socket was not open; flushed on open. */
  const outbox = [];

  function socketUrl() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    return scheme + "://" + window.location.host + (pageData.ws_path || "/ws/generate/");
  }

  function setConnectionState(state) {
    wsStatus.dataset.state = state;
    wsStatus.querySelector(".ws-label").textContent = state === "connected" ? "connected" : "disconnected";
    wsStatus.title = state === "connecting" ? "Connecting to the generation server…" :
      state === "connected" ? "Connected to the generation server" : "Not connected; retrying";
  }

  function connect() {
    clearTimeout(reconnectTimer);
    setConnectionState("connecting");
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (err) {
      console.error("WebSocket could not be created", err);
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener("open", () => {
      if (socket !== ws) return;
      reconnectDelay = RECONNECT_MIN_MS;
      setConnectionState("connected");
      flushOutbox();
    });
    ws.addEventListener("message", (event) => {
      if (socket === ws) handleMessage(event.data);
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socket = null;
      setConnectionState("disconnected");
      abandonInFlightTurn();
      if (!leavingPage) scheduleReconnect();
    });
    // "error" is always followed by "close", which does the bookkeeping.
  }

  // Exponential backoff with jitter so many tabs do not reconnect in lockstep
  // after a server restart.
  function scheduleReconnect() {
    const jitter = 0.8 + Math.random() * 0.4;
    reconnectTimer = setTimeout(connect, Math.round(reconnectDelay * jitter));
    reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
  }

  // A stream lives on one connection: if the socket drops after the request
  // went out, the rest of that answer will never arrive on the new socket.
  function abandonInFlightTurn() {
    if (activeTurn && activeTurn.sent) {
      failTurn(activeTurn, "Connection lost before the answer finished. Please send again.", "disconnected");
    }
  }

  function sendMessage(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    outbox.push(message);
    return false;
  }

  function flushOutbox() {
    while (outbox.length && socket && socket.readyState === WebSocket.OPEN) {
      const message = outbox.shift();
      socket.send(JSON.stringify(message));
      if (message.type === "generate") {
        const turn = turnsByClientRef.get(message.client_ref);
        if (turn) {
          turn.sent = true;
          setTurnNote(turn, "");
        }
      }
    }
  }

  function handleMessage(raw) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch (err) {
      console.warn("Ignoring a non-JSON message from the server", raw);
      return;
    }
    if (!msg || typeof msg !== "object") return;
    switch (msg.type) {
      case "started": return onStarted(msg);
      case "token": return onToken(msg);
      case "done": return onDone(msg);
      case "error": return onError(msg);
      default: return undefined; // unknown types are ignored on purpose (forward compatibility)
    }
  }

  // Find the turn a server message belongs to.  If the "started" message was
  // somehow missed, an unbound active turn is the only possible owner.
  function findTurn(msg) {
    if (msg.generation_id && turnsByGenerationId.has(msg.generation_id)) {
      return turnsByGenerationId.get(msg.generation_id);
    }
    if (msg.client_ref && turnsByClientRef.has(msg.client_ref)) {
      return turnsByClientRef.get(msg.client_ref);
    }
    return null;
  }

  function bindGenerationId(turn, generationId) {
    if (!generationId || turn.generationId === generationId) return;
    turn.generationId = generationId;
    turnsByGenerationId.set(generationId, turn);
  }

  function turnForStream(msg) {
    let turn = findTurn(msg);
    if (!turn && activeTurn && !activeTurn.generationId && msg.generation_id) {
      turn = activeTurn;
      bindGenerationId(turn, msg.generation_id);
    }
    return turn;
  }

  function onStarted(msg) {
    const turn = turnForStream(msg);
    if (!turn) return;
    bindGenerationId(turn, msg.generation_id);
    if (msg.model) setTurnModel(turn, msg.model);
    if (turn.status === "queued") setTurnStatus(turn, "running");
    // Stop was pressed before the server had named the generation.
    if (turn.stopping && turn.generationId) {
      sendMessage({ type: "cancel", generation_id: turn.generationId });
    }
  }

  function onToken(msg) {
    const turn = turnForStream(msg);
    if (!turn || typeof msg.text !== "string") return;
    if (turn.status !== "queued" && turn.status !== "running") return; // late chunk
    turn.rawText += msg.text;
    if (turn.status === "queued") setTurnStatus(turn, "running");
    else renderTurnOutput(turn);
  }

  function onDone(msg) {
    const turn = turnForStream(msg);
    if (turn) finishTurn(turn, msg);
  }

  function onError(msg) {
    const message = msg.message || msg.code || "The server reported an error.";
    const turn = findTurn(msg);
    if (turn) {
      if (msg.code === "cancelled") {
        finishTurn(turn, { finish_reason: "cancelled" });
      } else {
        failTurn(turn, message, msg.code);
      }
      return;
    }
    showBanner(message);
    // Only the not-yet-started generate request can have caused an error that
    // names no generation, so don't leave that turn spinning forever.
    if (activeTurn && !activeTurn.generationId && activeTurn.sent) {
      failTurn(activeTurn, message, msg.code);
    }
  }

  // ------------------------------------------------------------------ actions

  function onSubmit(event) {
    event.preventDefault();
    if (activeTurn) return; // one generation at a time
    const inputs = readInputs();
    const params = readParams();
    const prompt = renderPrompt(task.template, inputs);
    const problem = validateForm(inputs, params, prompt);
    if (problem) {
      showFormError(problem);
      return;
    }
    clearFormError();
    hideBanner();

    const clientRef = randomId();
    const model = modelSelect.value === "base" ? "base" : "finetuned";
    const turn = createTurn({ inputs, prompt, model, clientRef, status: "queued" });
    setActive(turn);
    setTurnStatus(turn, "queued");
    turn.sent = sendMessage({
      type: "generate",
      task: task.slug,
      model,
      inputs,
      params,
      client_ref: clientRef,
    });
    if (!turn.sent) setTurnNote(turn, "Waiting for the connection to the server…");
    turn.li.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function onStop() {
    const turn = activeTurn;
    if (!turn || turn.stopping) return;
    turn.stopping = true;
    updateButtons();
    if (!turn.sent) {
      // Never left the browser: drop it from the outbox and finish locally.
      const index = outbox.findIndex((m) => m.client_ref === turn.clientRef);
      if (index >= 0) outbox.splice(index, 1);
      finishTurn(turn, { finish_reason: "cancelled" });
      return;
    }
    setTurnNote(turn, "Stopping…");
    // Without a generation id yet, onStarted sends the cancel.
    if (turn.generationId) sendMessage({ type: "cancel", generation_id: turn.generationId });
  }

  // ------------------------------------------------------------------- wiring

  function init() {
    buildFields();
    buildExampleChips();
    initControls();
    updatePromptPreview();
    restoreHistory(Array.isArray(pageData.history) ? pageData.history : []);
    updateButtons();

    form.addEventListener("submit", onSubmit);
    stopButton.addEventListener("click", onStop);
    promptToggle.addEventListener("click", togglePrompt);
    errorBanner.querySelector(".banner-close").addEventListener("click", hideBanner);
    // Ctrl/Cmd+Enter sends from anywhere in the form.
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (!sendButton.disabled) form.requestSubmit(sendButton);
      }
    });
    window.addEventListener("pagehide", () => { leavingPage = true; });
    window.addEventListener("pageshow", (event) => {
      // Back/forward cache restores a page whose socket was closed.
      if (event.persisted) {
        leavingPage = false;
        if (!socket) connect();
      }
    });

    connect();
  }

  init();
})();
