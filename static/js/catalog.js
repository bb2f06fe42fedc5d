// Catalog page: client-side filtering of the server-rendered task cards.
//
// Every card is already in the HTML (so the page works and is indexable
// without JavaScript); this script only hides the ones that do not match the
// text filter AND the selected category, and keeps the "N tasks" line and the
// empty state in step.  The filter state is mirrored into the URL query
// (?q=…&category=…) so a filtered view can be shared or survive a reload.
"use strict";

(function () {
  const filterInput = document.querySelector('[data-testid="task-filter"]');
  const categoryGroup = document.querySelector('[data-testid="category-filter"]');
  const countLine = document.querySelector('[data-testid="task-count"]');
  const emptyState = document.querySelector('[data-testid="empty-state"]');
  const clearButton = document.getElementById("clear-filters");
  const cards = Array.from(document.querySelectorAll('[data-testid="task-card"]'));
  const categoryButtons = Array.from(categoryGroup.querySelectorAll("button[data-category]"));

  // "" means "All".
  let selectedCategory = "";

  function pluralTasks(n) {
    return n + (n === 1 ? " task" : " tasks");
  }

  function cardMatches(card, needle) {
    const textOk = needle === "" || (card.dataset.search || "").includes(needle);
    const categoryOk = selectedCategory === "" || card.dataset.category === selectedCategory;
    return textOk && categoryOk;
  }

  function applyFilters() {
    // data-search is already lower-cased by the template; lower-case the
    // query too so the match is case-insensitive.
    const needle = filterInput.value.trim().toLowerCase();
    let visible = 0;
    for (const card of cards) {
      const show = cardMatches(card, needle);
      card.hidden = !show;
      if (show) visible += 1;
    }
    countLine.textContent = pluralTasks(visible);
    emptyState.hidden = visible !== 0;
    syncUrl();
  }

  function selectCategory(category) {
    selectedCategory = category;
    for (const button of categoryButtons) {
      const active = button.dataset.category === category;
      button.classList.toggle("is-active", active);
      button.setAttribute("aria-pressed", String(active));
    }
    applyFilters();
  }

  // Show how many tasks each category holds, e.g. "Coding 2".
  function addCategoryCounts() {
    for (const button of categoryButtons) {
      const category = button.dataset.category;
      const n = cards.filter((c) => category === "" || c.dataset.category === category).length;
      const badge = document.createElement("span");
      badge.className = "chip-count";
      badge.textContent = String(n);
      button.append(" ", badge);
    }
  }

  function syncUrl() {
    const params = new URLSearchParams(window.location.search);
    const q = filterInput.value.trim();
    if (q) params.set("q", q); else params.delete("q");
    if (selectedCategory) params.set("category", selectedCategory); else params.delete("category");
    const query = params.toString();
    const url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(null, "", url);
  }

  function restoreFromUrl() {
    const params = new URLSearchParams(window.location.search);
    filterInput.value = params.get("q") || "";
    const category = params.get("category") || "";
    const known = categoryButtons.some((b) => b.dataset.category === category);
    selectCategory(known ? category : "");
  }

  function clearFilters() {
    filterInput.value = "";
    selectCategory("");
    filterInput.focus();
  }

  filterInput.addEventListener("input", applyFilters);
  // The native clear button of <input type="search"> fires "search".
  filterInput.addEventListener("search", applyFilters);
  filterInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && filterInput.value) {
      filterInput.value = "";
      applyFilters();
    }
  });
  for (const button of categoryButtons) {
    button.addEventListener("click", () => selectCategory(button.dataset.category));
  }
  if (clearButton) clearButton.addEventListener("click", clearFilters);

  // "/" jumps to the filter box, as on many catalog sites.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      filterInput.focus();
    }
  });

  addCategoryCounts();
  restoreFromUrl();
})();
