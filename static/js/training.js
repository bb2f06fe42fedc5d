// "New task from data": the define form's template check and sample, as the person types;
// the job page's live progress over /ws/training/<job>/ (state on connect, then every step),
// with the loss curve drawn as it falls. A reload reconnects and gets the whole curve again.
"use strict";

(function () {
  const script = document.currentScript;
  const jobId = script && script.dataset.job;

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // --- the define form ----------------------------------------------------------------
  // The placeholders of a str.format template: {name}; {{ and }} are literal braces.
  function placeholders(template) {
    const names = [];
    const pattern = /\{\{|\}\}|\{([^{}]*)\}/g;
    let match;
    while ((match = pattern.exec(template)) !== null) {
      if (match[1] !== undefined) names.push(match[1]);
    }
    return names;
  }

  function render(template, row) {
    return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, function (whole, name) {
      if (whole === "{{") return "{";
      if (whole === "}}") return "}";
      return row[name] === undefined ? whole : row[name];
    });
  }

  function checkTemplate(form, columns, sample) {
    const template = form.querySelector('[data-testid="template"]').value;
    const answer = form.querySelector('[data-testid="answer-column"]').value;
    const check = form.querySelector('[data-testid="template-check"]');
    const shown = form.querySelector('[data-testid="template-sample"]');
    const names = placeholders(template);
    let problem = "";
    if (!names.length) problem = "Name at least one input column, e.g. {" + columns[0] + "}.";
    for (const name of names) {
      if (name === answer) {
        problem = "{" + name + "} is the answer column: the prompt must not hold the answer.";
      } else if (!columns.includes(name)) {
        problem = "{" + name + "} is not a column of the file (" + columns.join(", ") + ").";
      }
      if (problem) break;
    }
    check.textContent = problem || "Every placeholder is an input column.";
    check.classList.toggle("form-error", Boolean(problem));
    shown.textContent = problem ? "" : render(template, sample) + " → " + (sample[answer] || "");
  }

  const form = document.querySelector('[data-testid="define-form"]');
  if (form) {
    const columns = readJson("dataset-columns") || [];
    const sample = readJson("dataset-sample") || {};
    const update = function () { checkTemplate(form, columns, sample); };
    form.querySelector('[data-testid="template"]').addEventListener("input", update);
    form.querySelector('[data-testid="answer-column"]').addEventListener("change", update);
    update();
  }

  // --- the progress page ----------------------------------------------------------------
  const panel = document.querySelector('[data-testid="training-progress"]');
  if (!panel || !jobId) return;
  let losses = [];
  const field = function (name) { return panel.querySelector('[data-testid="' + name + '"]'); };

  function drawCurve() {
    const line = field("loss-curve").querySelector("polyline");
    const known = losses.filter(function (loss) { return loss !== undefined; });
    if (!known.length) { line.setAttribute("points", ""); return; }
    const most = Math.max.apply(null, known), least = Math.min.apply(null, known);
    const span = most - least || 1, steps = Math.max(losses.length - 1, 1);
    const points = [];
    losses.forEach(function (loss, i) {  // a step missed on the way is left out
      if (loss === undefined) return;
      const x = (600 * i) / steps, y = 190 - (180 * (loss - least)) / span;
      points.push(x.toFixed(1) + "," + y.toFixed(1));
    });
    line.setAttribute("points", points.join(" "));
    field("loss-summary").textContent = "Loss " + known[0].toFixed(3) + " at the first step, " +
      known[known.length - 1].toFixed(3) + " at step " + losses.length + " (lowest " +
      least.toFixed(3) + ").";
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.round(seconds);
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  const LABELS = { queued: "Queued", running: "Running", done: "Done", failed: "Failed",
                   cancelled: "Cancelled" };

  function show(state, whole) {
    if (whole) {
      losses = state.losses.slice();
    } else if (state.losses.length && state.step > losses.length) {
      losses.length = state.step - 1;  // a missed step leaves a gap, never a shift
      losses.push(state.losses[state.losses.length - 1]);
    }
    field("training-status").textContent = LABELS[state.status] || state.status;
    field("training-phase").textContent =
      state.status === "running" ? state.phase : state.status === "queued" ? "waiting" : "–";
    field("training-step").textContent = state.step + " / " + state.steps;
    field("training-speed").textContent = state.steps_per_s ? state.steps_per_s.toFixed(2) : "–";
    field("training-eta").textContent = clock(state.eta_s);
    field("training-bar").value = state.step;
    drawCurve();
    if (state.error) {
      field("training-error").textContent = state.error;
      field("training-error").hidden = false;
    }
    if (state.scores && state.scores.examples) {
      field("score-base").textContent = "base " + state.scores.base;
      field("score-finetuned").textContent = "fine-tuned " + state.scores.finetuned;
      field("score-examples").textContent = state.scores.examples;
      field("training-scores").hidden = false;
    }
    const ended = ["done", "failed", "cancelled"].includes(state.status);
    if (ended && !panel.dataset.ended) {
      panel.dataset.ended = "1";
      // the links to the new task, the confirm button: the server's page says them (a job
      // that ended while the socket was away too: the page was rendered before its end)
      if (!initiallyEnded) window.setTimeout(function () { window.location.reload(); }, 500);
    }
  }

  const initial = readJson("training-state");
  const initiallyEnded = Boolean(initial && ["done", "failed", "cancelled"].includes(initial.status));
  if (initial) show(initial, true);

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + "/ws/training/" + jobId + "/");
    socket.addEventListener("message", function (message) {
      const frame = JSON.parse(message.data);
      if (frame.type === "state") show(frame, true);
      else if (frame.type === "progress") show(frame, false);
    });
    socket.addEventListener("close", function () {
      if (!panel.dataset.ended) window.setTimeout(connect, 2000);
    });
  }
  if (!initiallyEnded) connect();
})();
