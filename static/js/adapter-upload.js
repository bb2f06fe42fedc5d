// Admin adapter upload: shows how much of a large upload has been sent.
//
// The form posts normally without this script. With it, the form is sent with
// XMLHttpRequest, whose upload "progress" events drive the progress bar. The
// server answers a successful upload with {"redirect": url}, and a refused one
// with the form page again, whose #content replaces this page's (its errors
// shown, the files to choose again).
"use strict";

(function () {
  // In the unit that keeps a small adapter's progress readable (not "0.0 MB of 0.0 MB").
  function size(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function showProgress(form, sent, total) {
    const bar = form.querySelector('[data-testid="upload-progress"]');
    const status = form.querySelector('[data-testid="upload-status"]');
    bar.hidden = false;
    bar.value = total ? (100 * sent) / total : 0;
    status.textContent = total ? size(sent) + " of " + size(total) + " sent" : "";
  }

  function showStatus(form, text) {
    form.querySelector('[data-testid="upload-status"]').textContent = text;
  }

  function showAnswer(xhr) {
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (type.includes("application/json")) {
      window.location.assign(JSON.parse(xhr.responseText).redirect);
      return;
    }
    const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const content = page.getElementById("content");
    if (content) {
      document.getElementById("content").replaceWith(content);
    } else {
      document.body.replaceWith(page.body); // an error page: show it as it is
    }
  }

  function send(form) {
    const xhr = new XMLHttpRequest();
    const submit = form.querySelector('[type="submit"]');
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      showProgress(form, event.loaded, event.lengthComputable ? event.total : 0);
    });
    xhr.upload.addEventListener("load", function () {
      showStatus(form, "Sent; checking the adapter…");
    });
    xhr.addEventListener("load", function () {
      showAnswer(xhr);
    });
    xhr.addEventListener("error", function () {
      submit.disabled = false;
      showStatus(form, "The upload failed (the connection was lost). Please try again.");
    });
    submit.disabled = true;
    xhr.send(new FormData(form));
  }

  // On the document, so that a form put back after a refused upload is handled too.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form[data-upload-progress]") || !window.FormData) return;
    event.preventDefault();
    send(form);
  });
})();
