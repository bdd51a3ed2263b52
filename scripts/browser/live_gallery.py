"""Opens a running batch's gallery page in headless Chromium (selenium), as a marketer would, and reports what it saw.

Usage: live_gallery.py URL SCREENSHOT.png SIZE_ID

While the batch runs, it samples how many creative cards the page shows (they should grow as the event stream
announces them), waits for the page to say the batch completed and for the images to load, takes a screenshot, then
applies the size filter and reads which sizes are left. Prints one JSON object.
"""

import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def main() -> None:
    url, screenshot, size = sys.argv[1], sys.argv[2], sys.argv[3]
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        samples = []
        states = []
        deadline = time.time() + 120
        while time.time() < deadline:
            samples.append(len(driver.find_elements(By.CSS_SELECTOR, "#grid figure")))
            state = driver.find_element(By.ID, "live").text
            states.append(state)
            if state == "completed":
                break
            time.sleep(0.1)
        # The last creatives arrive with the stream's end; the grid is redrawn 300 ms after.
        time.sleep(1.0)
        total = len(driver.find_elements(By.CSS_SELECTOR, "#grid figure"))

        def loaded(d):
            return d.execute_script(
                "return Array.from(document.querySelectorAll('#grid figure img'))"
                ".filter(i => i.complete && i.naturalWidth > 0).length"
            )

        WebDriverWait(driver, 30).until(lambda d: loaded(d) >= min(total, 12))
        images = loaded(driver)
        progress = driver.find_element(By.ID, "progress-text").text
        driver.save_screenshot(screenshot)
        Select(driver.find_element(By.ID, "f-size")).select_by_value(size)
        time.sleep(0.3)
        captions = driver.find_elements(By.CSS_SELECTOR, "#grid figure figcaption span:nth-child(2)")
        filtered = sorted({caption.text for caption in captions})
        print(json.dumps({
            "samples": samples, "states": sorted(set(states)), "total": total, "images": images,
            "progress": progress, "filtered_sizes": filtered, "filtered_count": len(captions),
            "count_text": driver.find_element(By.ID, "count").text,
        }))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
