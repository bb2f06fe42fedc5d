// Small helpers shared by the page scripts (prompt-form.js, task.js, compare.js).
// Text goes into the DOM through textContent only, never innerHTML.
"use strict";

(function () {
  function byTestId(id) {
    return document.querySelector('[data-testid="' + id + '"]');
  }

  /** The JSON the server rendered into #page-data ({} if missing or broken). */
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

  /** "TTFT 120 ms · 35.2 tokens/s · ..." from a done frame's figures (missing ones left out). */
  function formatStats({ ttft_ms, tokens_per_s, prompt_tokens, completion_tokens, finish_reason }) {
    const parts = [];
    if (ttft_ms != null) parts.push("TTFT " + Math.round(ttft_ms) + " ms");
    // A rate needs two tokens at least: one token's "rate" is only its time to first token.
    if (tokens_per_s != null && completion_tokens >= 2) {
      parts.push(Number(tokens_per_s).toFixed(1) + " tokens/s");
    }
    if (prompt_tokens != null) {
      parts.push(prompt_tokens + " prompt + " + (completion_tokens ?? "?") + " completion tokens");
    } else if (completion_tokens != null) {
      parts.push(completion_tokens + " tokens");
    }
    parts.push("finish: " + (finish_reason || "unknown"));
    return parts.join(" · ");
  }

  /** What a finished answer with no text says instead. */
  function emptyAnswerText(status) {
    return status === "cancelled"
      ? "Stopped before the model wrote any text."
      : "The model ended its answer at once, with no text.";
  }

  window.Lora = Object.freeze({
    byTestId, readPageData, el, humanizeFieldName, randomId, truncate, formatStats,
    emptyAnswerText,
  });
})();
