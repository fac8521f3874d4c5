"""Screenshots of the built site for reviewers (`make screenshots`): the home page and one
tutorial page, each language, light and dark, 1280×900, and the first pages of each
language's PDF (`make pdf`, drawn by Poppler's pdftoppm), in test-artifacts/screenshots/.

    python tests/screenshots.py [SITE_DIR]   (default: site/)
"""

import subprocess
import sys
from pathlib import Path

from browser import Visit, launch, load_all_images, page_url, serve
from helpers import ROOT
from playwright.sync_api import sync_playwright
from site_pdf import FOLDER, languages, pdf_name

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PDF_PAGES = 5  # the cover, the contents and the first pages


def main(site):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(site) as server, sync_playwright() as playwright:
        browser = launch(playwright)
        for scheme in ("light", "dark"):
            context = browser.new_context(
                color_scheme=scheme, viewport={"width": 1280, "height": 900}
            )
            page = context.new_page()
            for page_name in ("", "residual"):
                for language in ("en", "zh"):
                    url = page_url(server, language, page_name)
                    visit = Visit(page, url)
                    try:
                        missing = load_all_images(visit.page)
                        if missing or visit.errors or visit.failures:
                            sys.exit(f"{url}: {missing + visit.errors + visit.failures}")
                        path = SCREENSHOTS / f"{page_name or 'home'}-{language}-{scheme}.png"
                        visit.page.screenshot(path=str(path), full_page=False)
                        print(path.relative_to(ROOT))
                    finally:
                        visit.close()
            context.close()
        browser.close()
    for language in languages():
        prefix = SCREENSHOTS / f"pdf-{language}"
        pdf = site / FOLDER / pdf_name(language)
        command = ["pdftoppm", "-png", "-r", "60", "-l", str(PDF_PAGES), str(pdf), str(prefix)]
        subprocess.run(command, check=True)
        for path in sorted(SCREENSHOTS.glob(f"{prefix.name}-*.png")):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "site"))
