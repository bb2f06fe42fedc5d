// Model output shown as the model wrote it, and safely.
//
// renderAnswer(element, text, format) is the one way answers reach the page:
//   * "text" (most tasks): plain text, spaces and line breaks kept (CSS pre-wrap);
//   * "code" (Python, SQL): a monospace <pre><code> block, indentation kept;
//   * "markdown": only for a task whose output is Markdown, rendered as below.
// Text and code go in through textContent, so nothing in them is ever markup,
// and nothing a task's metric reads (GSM8K's "#### 4") is turned into a heading.
//
// Markdown: model output is attacker-controllable (a prompt can ask the model to emit
// anything), so it is treated like user-generated HTML from a stranger:
//
//   1. marked turns Markdown into HTML.  Raw HTML inside the answer is NOT
//      passed through: our `html` renderer escapes it, so an answer such as
//      `<img src=x onerror=alert(1)>` shows up as that literal text, which is
//      also what the model actually said.
//   2. DOMPurify then sanitizes the result against a short allow-list of
//      Markdown-ish tags.  This is the real security boundary: even if step 1
//      had a bug, <script>, <img>, <iframe>, <style>, event handlers,
//      javascript: URLs, forms etc. cannot survive.
//   3. Only the sanitized string is ever assigned to innerHTML.
//
// Images are deliberately not allowed: an <img> pointing elsewhere would make
// the visitor's browser fetch an arbitrary URL (tracking, and the page must not
// touch the network beyond its own server).  Markdown images become links.
//
// Exposes window.LoraRender = { renderAnswer, toSafeHtml, renderInto, escapeHtml }.
"use strict";

(function () {
  const ALLOWED_TAGS = [
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
  ];
  const ALLOWED_ATTR = ["href", "title", "start", "align", "colspan", "rowspan"];

  const PURIFY_CONFIG = {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    // Only web and mail links; no javascript:, data:, relative paths, etc.
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    ALLOW_DATA_ATTR: false,
  };

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // A private marked instance so we never change the global defaults.
  const markdown = new window.marked.Marked({
    gfm: true,
    // Models separate lines with single newlines (worked steps, lists of
    // entities); show them as line breaks instead of folding them together.
    breaks: true,
    renderer: {
      // Raw HTML blocks and inline tags are shown as text, not interpreted.
      html(token) {
        return escapeHtml(token.text);
      },
      // Never create <img>; show the image as a plain link instead.
      image(token) {
        const label = token.text || token.href;
        return '<a href="' + escapeHtml(token.href) + '">' + escapeHtml(label) + "</a>";
      },
    },
  });

  // Links in model output open in a new tab and carry no referrer/opener.
  window.DOMPurify.addHook("afterSanitizeAttributes", function (node) {
    if (node.tagName === "A" && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });

  /** Markdown text -> sanitized HTML string (safe to assign to innerHTML). */
  function toSafeHtml(text) {
    const html = markdown.parse(String(text == null ? "" : text), { async: false });
    return window.DOMPurify.sanitize(html, PURIFY_CONFIG);
  }

  /** Render untrusted Markdown `text` into `element`. */
  function renderInto(element, text) {
    element.innerHTML = toSafeHtml(text);
  }

  /** Show an answer in `element` as its task's format says (see the top). */
  function renderAnswer(element, text, format) {
    const answer = String(text == null ? "" : text);
    element.classList.remove("answer-text", "answer-code", "answer-markdown");
    element.classList.add("answer-" + (format === "code" || format === "markdown" ? format : "text"));
    if (format === "markdown") {
      renderInto(element, answer);
    } else if (format === "code") {
      const code = document.createElement("code");
      code.textContent = answer;
      const pre = document.createElement("pre");
      pre.append(code);
      element.replaceChildren(pre);
    } else {
      element.textContent = answer;
    }
  }

  window.LoraRender = Object.freeze({ renderAnswer, toSafeHtml, renderInto, escapeHtml });
})();
