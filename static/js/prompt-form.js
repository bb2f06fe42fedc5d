// The prompt form of the task and compare pages: one textarea per template field, example
// chips, the rendered prompt, sampling controls and validation. The server renders the frame
// (templates/playground/_prompt_inputs.html and _sampling_controls.html); this fills it in.
//
//   const form = LoraPromptForm.create({ task, limits, defaults, onChange });
//   form.read()          // {inputs, params, prompt}, or null after saying what is wrong
//   form.exampleIndex()  // the chosen example while its inputs are untouched, else null
//   onChange(index)      // an example was applied (its index) or a field edited (null)
"use strict";

(function () {
  const { byTestId, el, humanizeFieldName, truncate } = window.Lora;

  function create({ task, limits, defaults, onChange }) {
    const fields = Array.isArray(task.fields) ? task.fields : [];
    // Fields the real data may leave blank (covid's Location): labelled optional, never required.
    const optional = new Set(Array.isArray(task.optional_fields) ? task.optional_fields : []);
    const examples = Array.isArray(task.examples) ? task.examples : [];
    limits = Object.assign({ max_new_tokens: 256, max_prompt_chars: 8000 }, limits);
    defaults = Object.assign({ max_new_tokens: 64, temperature: 0.0, top_p: 1.0 }, defaults);

    const fieldsBox = document.getElementById("fields");
    const examplesBox = document.getElementById("examples");
    const exampleChipsBox = document.getElementById("example-chips");
    const expectedHint = byTestId("expected-answer");
    const promptToggle = byTestId("prompt-toggle");
    const promptWrap = document.getElementById("prompt-preview-wrap");
    const promptPreview = byTestId("prompt-preview");
    const promptLength = document.getElementById("prompt-length");
    const maxTokensInput = byTestId("max-new-tokens");
    const temperatureInput = byTestId("temperature");
    const temperatureReadout = document.getElementById("temperature-value");
    const topPInput = byTestId("top-p");
    const topPReadout = document.getElementById("top-p-value");
    const seedInput = byTestId("seed");
    const formError = byTestId("form-error");

    /** textarea elements keyed by field name */
    const fieldInputs = new Map();
    /** index of the applied example, until a field is edited */
    let activeExample = null;

    function changed(index) {
      save();
      if (onChange) onChange(index);
    }

    // ------------------------------------------- what survives a reload (this tab)

    // The fields, the chosen example and the sampling settings, per page and task, in
    // sessionStorage: a reload (or a reattached answer) finds the form as it was.
    const storageKey = "loraland:form:" + window.location.pathname;

    function save() {
      const state = {
        inputs: readInputs(),
        example: activeExample,
        controls: {
          max_new_tokens: maxTokensInput.value,
          temperature: temperatureInput.value,
          top_p: topPInput.value,
          seed: seedInput ? seedInput.value : "",
        },
      };
      try {
        window.sessionStorage.setItem(storageKey, JSON.stringify(state));
      } catch (err) { /* storage full or refused: the form just will not survive a reload */ }
    }

    function restore() {
      let state = null;
      try {
        state = JSON.parse(window.sessionStorage.getItem(storageKey) || "null");
      } catch (err) { return; }
      if (!state || typeof state !== "object") return;
      const controls = state.controls || {};
      if (controls.max_new_tokens) maxTokensInput.value = controls.max_new_tokens;
      if (controls.temperature) temperatureInput.value = controls.temperature;
      if (controls.top_p) topPInput.value = controls.top_p;
      if (seedInput && typeof controls.seed === "string") seedInput.value = controls.seed;
      updateReadouts();
      if (Number.isInteger(state.example) && examples[state.example]) {
        applyExample(state.example);
      } else if (state.inputs && typeof state.inputs === "object") {
        fillInputs(state.inputs);
      }
    }

    // ---------------------------------------------------------- fields, examples

    function buildFields() {
      fieldsBox.replaceChildren();
      for (const name of fields) {
        const wrap = el("div", "field");
        const label = el("label", "field-label", humanizeFieldName(name));
        if (optional.has(name)) label.append(el("span", "field-optional", " (optional)"));
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
      activeExample = index;
      for (const chip of exampleChipsBox.children) {
        chip.classList.toggle("is-active", chip.dataset.index === String(index));
      }
      if (example.expected != null && example.expected !== "") {
        expectedHint.replaceChildren(
          el("span", "expected-label", "Expected answer: "),
          el("span", "expected-text", example.expected),
        );
        expectedHint.hidden = false;
      } else {
        expectedHint.hidden = true;
      }
      clearError();
      changed(index);
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
      // The expected answer belonged to the untouched example.
      expectedHint.hidden = true;
      activeExample = null;
      for (const chip of exampleChipsBox.children) chip.classList.remove("is-active");
      updatePromptPreview();
      changed(null);
    }

    // ------------------------------------------------------- sampling controls

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
      const params = {
        max_new_tokens: Number(maxTokensInput.value),
        temperature: Number(temperatureInput.value),
        top_p: Number(topPInput.value),
      };
      // A seed makes a sampled answer repeatable (the same seed gives the same answer).
      if (seedInput && seedInput.value.trim() !== "") params.seed = Number(seedInput.value);
      return params;
    }

    // --------------------------------------------------------------- validation

    function showError(message) {
      formError.textContent = message;
      formError.hidden = false;
    }

    function clearError() {
      formError.hidden = true;
      formError.textContent = "";
    }

    /** Returns an error message, or null when the form can be sent. */
    function problemWith(inputs, params, prompt) {
      const missing = [];
      for (const [name, textarea] of fieldInputs) {
        const empty = inputs[name].trim() === "" && !optional.has(name);
        if (empty) {
          textarea.setAttribute("aria-invalid", "true");
          missing.push(humanizeFieldName(name));
        }
      }
      if (missing.length) {
        const first = fieldInputs.get(
          fields.find((f) => inputs[f].trim() === "" && !optional.has(f))
        );
        if (first) first.focus();
        return "Please fill in every field: " + missing.join(", ") + " is empty.";
      }
      const n = params.max_new_tokens;
      if (!Number.isInteger(n) || n < 1 || n > limits.max_new_tokens) {
        maxTokensInput.focus();
        return "Max new tokens must be a whole number from 1 to " + limits.max_new_tokens + ".";
      }
      if ("seed" in params && !Number.isSafeInteger(params.seed)) {
        seedInput.focus();
        return "The seed must be a whole number (or empty for a random one).";
      }
      if (prompt.length > limits.max_prompt_chars) {
        return "The prompt is " + prompt.length + " characters long; the limit is " +
          limits.max_prompt_chars + ". Shorten the inputs.";
      }
      return null;
    }

    function read() {
      const inputs = readInputs();
      const params = readParams();
      const prompt = renderPrompt(task.template, inputs);
      const problem = problemWith(inputs, params, prompt);
      if (problem) {
        showError(problem);
        return null;
      }
      clearError();
      return { inputs, params, prompt };
    }

    buildFields();
    buildExampleChips();
    initControls();
    updatePromptPreview();
    // After the page's script has run: onChange may use what create() returns.
    queueMicrotask(restore);
    promptToggle.addEventListener("click", togglePrompt);
    for (const control of [maxTokensInput, temperatureInput, topPInput, seedInput]) {
      if (control) control.addEventListener("input", save);
    }

    return Object.freeze({
      read,
      exampleIndex: () => activeExample,
      showError,
      clearError,
    });
  }

  window.LoraPromptForm = Object.freeze({ create });
})();
