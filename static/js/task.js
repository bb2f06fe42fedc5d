// Task page: the prompt form (prompt-form.js), one WebSocket to the generation
// server (socket.js), and answers streamed into the conversation.
//
// The server renders the static frame (header, sampling controls, empty
// conversation list) and a JSON blob (#page-data).  Everything that depends on
// the task's template fields, examples and history is built here.
//
// Security rules for this file:
//   * user inputs, prompts, stats and error messages go into the DOM through
//     textContent only;
//   * model output goes through LoraRender.renderAnswer (as written: textContent;
//     Markdown only for a Markdown task, through DOMPurify), never into innerHTML.
"use strict";

(function () {
  const { byTestId, el, humanizeFieldName, randomId, readPageData, formatStats, emptyAnswerText } =
    window.Lora;
  const MODEL_LABELS = { finetuned: "Fine-tuned adapter", base: "Base model" };

  const pageData = readPageData();
  const task = pageData.task || {};
  const fields = Array.isArray(task.fields) ? task.fields : [];

  const form = document.getElementById("generate-form");
  const modelSelect = byTestId("model-select");
  const sendButton = byTestId("send-button");
  const stopButton = byTestId("stop-button");
  const errorBanner = byTestId("error-banner");
  const conversation = byTestId("conversation");
  const conversationEmpty = document.getElementById("conversation-empty");

  const promptForm = window.LoraPromptForm.create({
    task,
    limits: pageData.limits,
    defaults: pageData.defaults,
  });

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
    const output = el("div", "answer");
    output.setAttribute("aria-live", "polite"); // a screen reader hears the answer arrive
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
    // An empty answer is explained only once it has finished normally.
    const finished = turn.status === "done" || turn.status === "cancelled";
    const empty = turn.rawText === "" && finished;
    turn.output.classList.toggle("is-empty", empty);
    if (turn.rawText === "" && waiting) {
      turn.output.replaceChildren(el("span", "placeholder", "…"));
    } else if (empty) {
      turn.output.replaceChildren(el("span", "empty-answer", emptyAnswerText(turn.status)));
    } else {
      window.LoraRender.renderAnswer(turn.output, turn.rawText, task.answer_format);
    }
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
        // Still running when this page loaded (a reload mid-answer): reattach to it. The
        // server replays what it has sent so far, then the rest as it comes.
        setTurnStatus(turn, item.status || "running");
        setActive(turn);
        reattach(turn);
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

  // The socket dropped mid-answer: a named generation is reattached on the next
  // socket (the attach waits in the socket's outbox); one the server never named
  // cannot be found again.
  function abandonInFlightTurn() {
    if (!activeTurn || !activeTurn.sent) return;
    if (activeTurn.generationId) {
      reattach(activeTurn);
    } else {
      failTurn(activeTurn, "Connection lost before the answer finished. Please send again.", "disconnected");
    }
  }

  function reattach(turn) {
    turn.sent = socket.send({ type: "attach", generation_id: turn.generationId });
    setTurnNote(turn, turn.sent ? "" : "Reconnecting to the answer…");
  }

  // A generate (or attach) queued while disconnected has now gone out.
  function onSent(message) {
    if (message.type === "attach") {
      const attached = turnsByGenerationId.get(message.generation_id);
      if (attached) {
        attached.sent = true;
        setTurnNote(attached, "");
      }
      return;
    }
    if (message.type !== "generate") return;
    const turn = turnsByClientRef.get(message.client_ref);
    if (turn) {
      turn.sent = true;
      setTurnNote(turn, "");
    }
  }

  const socket = window.LoraSocket.open({
    path: pageData.ws_path,
    status: byTestId("ws-status"),
    onMessage: handleMessage,
    onSent,
    onLost: abandonInFlightTurn,
  });

  function handleMessage(msg) {
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
    if (msg.attached) {
      // The replay starts from the first token: what was shown is shown again.
      turn.rawText = "";
      setTurnNote(turn, "");
      renderTurnOutput(turn);
    }
    bindGenerationId(turn, msg.generation_id);
    if (msg.model) setTurnModel(turn, msg.model);
    if (turn.status === "queued") setTurnStatus(turn, "running");
    // Stop was pressed before the server had named the generation.
    if (turn.stopping && turn.generationId) {
      socket.send({ type: "cancel", generation_id: turn.generationId });
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
    const request = promptForm.read();
    if (!request) return;
    hideBanner();

    const clientRef = randomId();
    const model = modelSelect.value === "base" ? "base" : "finetuned";
    const turn = createTurn({ inputs: request.inputs, prompt: request.prompt, model, clientRef, status: "queued" });
    setActive(turn);
    setTurnStatus(turn, "queued");
    turn.sent = socket.send({
      type: "generate",
      task: task.slug,
      model,
      inputs: request.inputs,
      params: request.params,
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
    if (socket.stop(turn)) setTurnNote(turn, "Stopping…");
    else finishTurn(turn, { finish_reason: "cancelled" });  // it never left the browser
  }

  // ------------------------------------------------------------------- wiring

  function init() {
    restoreHistory(Array.isArray(pageData.history) ? pageData.history : []);
    updateButtons();

    form.addEventListener("submit", onSubmit);
    stopButton.addEventListener("click", onStop);
    errorBanner.querySelector(".banner-close").addEventListener("click", hideBanner);
    // Ctrl/Cmd+Enter sends from anywhere in the form.
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (!sendButton.disabled) form.requestSubmit(sendButton);
      }
    });
  }

  init();
})();
