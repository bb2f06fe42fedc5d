"""Take the README's screenshots of a running site, on a desktop and on a phone: the catalog, a
task page while its answer streams, the compare page after a run, and the gallery with that
run saved; with --staff, the newest training job's page ("New task from data", desktop only).
Needs the site up (`make run` in another shell) and Debian's Chromium.

    python scripts/screenshots.py [--url http://127.0.0.1:8000] [--task conllpp]
                                  [--out docs/screenshots] [--staff USER:PASSWORD]
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# What the task page's first field gets: the sentence the README's caption names.
TEXTS = {"conllpp": "Angela Merkel met executives of Siemens in Berlin on Monday."}


def take(url: str, task: str, out: Path, viewport: str, browser) -> list[Path]:
    # bypass_csp: Playwright's wait_for_function polls with eval, which the site's policy forbids
    page = browser.new_page(viewport=VIEWPORTS[viewport], reduced_motion="reduce", bypass_csp=True)
    shots = []

    def shot(name: str) -> None:
        shots.append(out / f"{name}-{viewport}.png")
        page.screenshot(path=shots[-1])

    page.goto(url + "/")
    shot("catalog")

    page.goto(f"{url}/tasks/{task}/")
    connected = "document.querySelector('[data-testid=ws-status]').dataset.state === 'connected'"
    page.wait_for_function(connected)
    page.get_by_test_id("example-chip").first.click()
    if task in TEXTS:
        page.locator("textarea[data-field]").first.fill(TEXTS[task])
    page.get_by_test_id("max-new-tokens").fill("64")
    page.get_by_test_id("send-button").click()
    # Mid-stream: some text, and the answer still running (else the finished one is shown).
    page.wait_for_function("document.querySelector('[data-testid=output]').textContent.length > 8")
    shot("task-streaming")
    page.wait_for_function("document.querySelector('[data-testid=send-button]').disabled === false")

    page.goto(f"{url}/compare/{task}/")
    page.wait_for_function(connected)
    page.get_by_test_id("example-chip").nth(1).click()
    page.get_by_test_id("run-button").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=stop-button]').disabled", timeout=120_000
    )
    # the expected answer and the panes below it, rather than the form
    page.evaluate("document.querySelector('[data-testid=compare-expected]').scrollIntoView()")
    shot("compare")
    if viewport == "desktop":  # one saved run is enough for both galleries
        page.get_by_test_id("save-button").click()
        page.get_by_test_id("save-status").filter(has_text="Saved").wait_for()

    page.goto(f"{url}/gallery/?task={task}")
    page.evaluate("document.querySelector('[data-testid=gallery-entry]').scrollIntoView()")
    shot("gallery")
    page.close()
    return shots


def take_training(url: str, out: Path, staff: str, browser) -> Path:
    """The newest training job's page, as a staff user sees it."""
    user, _, password = staff.partition(":")
    page = browser.new_page(viewport=VIEWPORTS["desktop"], reduced_motion="reduce")
    page.goto(url + "/admin/login/?next=/staff/training/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("[type=submit]")
    page.wait_for_url("**/staff/training/")
    page.locator("[data-testid=training-jobs] a").first.click()
    page.wait_for_selector("[data-testid=training-progress]")
    path = out / "training-desktop.png"
    page.screenshot(path=path, full_page=True)
    page.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--task", default="conllpp")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--staff", help="USER:PASSWORD of a staff user: the training page too")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for viewport in VIEWPORTS:
            for path in take(args.url.rstrip("/"), args.task, args.out, viewport, browser):
                print(path)
        if args.staff:
            print(take_training(args.url.rstrip("/"), args.out, args.staff, browser))
        browser.close()


if __name__ == "__main__":
    main()
