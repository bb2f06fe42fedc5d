"""What a visitor's browser shows, checked in headless Chromium on a live stack: every text's
contrast against what is behind it meets WCAG AA (computed here, from the computed styles), on
desktop and on a phone; the phone's header keeps the title on one line, unclipped; the
README's screenshot script runs through every page."""

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_e2e import browser, running_stack  # noqa: F401 (browser is a fixture)

pytestmark = pytest.mark.e2e
PAGES = ["/", "/tasks/gsm8k/", "/compare/gsm8k/", "/leaderboard/", "/gallery/"]
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}

# WCAG 2 contrast of each visible text's colour over the backgrounds stacked behind it (colours
# with alpha are blended down to the page's white); large text (24 px, or 18.66 px bold) needs
# 3:1, other text 4.5:1. Returns the texts that fall short.
LOW_CONTRAST = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const behind = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (const e of chain) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) bg = over(c, bg);
    }
    return bg;
  };
  const failures = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const unseen = style.visibility === "hidden" || el.closest("[hidden]");
    if (unseen || box.width <= 1 || box.height <= 1) continue;
    const bg = behind(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5) - 0.005) {
      failures.push(`${node.textContent.trim().slice(0, 40)!r} ${ratio.toFixed(2)}:1 ` +
                    `(${style.color} on rgb(${bg.r|0},${bg.g|0},${bg.b|0}), .${el.className})`);
    }
  }
  return failures;
}""".replace("!r", "")


@pytest.fixture(scope="module")
def site(demo_config, tmp_path_factory):
    with running_stack(demo_config, tmp_path_factory.mktemp("a11y")) as stack:
        yield stack


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_text_meets_wcag_aa_contrast(site, browser, viewport):  # noqa: F811
    width, height = VIEWPORTS[viewport]
    # reduced motion: no colour transition is caught half-way; strict: the site's own policy
    size = {"width": width, "height": height}
    page = browser.strict_page(viewport=size, reduced_motion="reduce")
    failures = {}
    refused = []  # the content security policy must let every page work as it is
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    for path in PAGES:
        page.goto(site.url + path)
        if path.startswith(("/tasks/", "/compare/")):  # the example chips and hints shown
            page.get_by_test_id("example-chip").first.click()
        low = page.evaluate(LOW_CONTRAST)
        if low:
            failures[path] = low
    assert failures == {}, "\n".join(
        f"{path}: {text}" for path in failures for text in failures[path]
    )
    assert refused == []


def test_on_a_phone_nothing_runs_off_the_right_edge(site, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wide = {}
    for path in PAGES:
        page.goto(site.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide[path] = overflow
    assert wide == {}


def test_on_a_phone_the_header_keeps_its_title_on_one_line(site, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site.url + "/leaderboard/")
    header = page.evaluate("""() => {
      const bar = document.querySelector('.topbar-inner');
      const name = document.querySelector('.brand-name');
      const mark = document.querySelector('.brand-mark').getBoundingClientRect();
      const line = parseFloat(getComputedStyle(name).lineHeight) || 20;
      return {overflow: bar.scrollWidth - bar.clientWidth, line, markLeft: mark.left,
              nameHeight: name.getBoundingClientRect().height, markWidth: mark.width};
    }""")
    assert header["overflow"] <= 0  # nothing pushed out of the bar
    assert header["nameHeight"] < 1.5 * header["line"]  # "LoRA Land" on one line
    assert header["markLeft"] >= 0 and header["markWidth"] == 22  # the logo whole


def test_the_screenshot_script_shows_every_page_on_a_desktop_and_a_phone(site, tmp_path):
    from PIL import Image

    command = [sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--url", site.url,
               "--task", "e2e_nlg", "--out", str(tmp_path)]  # fmt: skip
    printed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert printed.returncode == 0, printed.stderr[-3000:]
    made = sorted(Path(line).name for line in printed.stdout.split())
    assert made == sorted(
        f"{page}-{viewport}.png"
        for page in ("catalog", "task-streaming", "compare", "gallery")
        for viewport in ("desktop", "phone")
    )
    assert Image.open(tmp_path / "catalog-phone.png").size == (390, 844)
    assert Image.open(tmp_path / "compare-desktop.png").size == (1366, 900)
