#!/usr/bin/env python3
"""idr serve's page in a real browser (tests/serve/README.md): headless Debian chromium
driven by selenium against `idr sim` with scenarios/counter.json. Every state is asserted
from the DOM; a screenshot of each goes to --out. Prints the page's load and update times
(measured, not asserted).

usage: browser_test.py --idr IDR --scenario FILE --out DIR [--chromedriver PATH]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

BOUND = 60  # seconds: no state of the scenario takes this long to reach
ZHANG_WEI = "110101199003071233"
EXPIRED = "310101198506120028"
LISTED = "11010519491231002X"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"ok: {what}")


def read_line(proc, prefix):
    """The rest of the first stdout line of `proc` starting with `prefix` (bounded)."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise Failure(f"{proc.args[1]} ended before printing '{prefix}'")
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    raise Failure(f"no '{prefix}' line within {BOUND} s")


def stop(proc, expect=130):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode == expect


class Rig:
    """idr sim (its dev CA) + idr serve with a lost/stolen list; `trust` replaces the dev root."""

    def __init__(self, idr, scenario, work, trust=None):
        self.sim = subprocess.Popen([idr, "sim", "--scenario", scenario, "--port", "0"],
                                    stdout=subprocess.PIPE, text=True)
        self.serve = None
        uri = read_line(self.sim, "reader: ")
        dev_trust = read_line(self.sim, "trust: ")
        counters = read_line(self.sim, "counters: ")
        csv, blocklist = os.path.join(work, "lost.csv"), os.path.join(work, "lost.idrbl")
        with open(csv, "w") as f:
            f.write(f"id_number,valid_from\n{LISTED},20100105\n")
        subprocess.run([idr, "blocklist", "build", csv, blocklist], check=True,
                       stdout=subprocess.DEVNULL)
        self.serve = subprocess.Popen(
            [idr, "serve", "--reader", uri, "--listen", "127.0.0.1:0", "--clear-after", "0",
             "--trust", trust or dev_trust, "--counters", counters, "--blocklist", blocklist],
            stdout=subprocess.PIPE, text=True)
        url = read_line(self.serve, "serving: ")
        self.page = url
        self.base, self.token = url.split("/#token=")

    def api(self, path, token=None):
        req = urllib.request.Request(self.base + path)
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, None

    def close(self):
        ok = True
        if self.serve:
            ok = stop(self.serve) and ok
        ok = stop(self.sim) and ok
        return ok


def browser(chromedriver):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--window-size=1366,768",
              "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(a)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def rows(driver):
    """Each check row: {name: (status, reason, text)}."""
    out = {}
    for tr in driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr"):
        out[tr.get_attribute("data-check")] = (tr.get_attribute("data-status"),
                                               tr.get_attribute("data-reason"), tr.text)
    return out


def fits_screen(driver):
    """1366x768: nothing below the window; the list of checks scrolls in its own box."""
    return driver.execute_script(
        "const b = document.getElementById('checks-box').getBoundingClientRect();"
        "return b.bottom <= window.innerHeight + 1 &&"
        " document.documentElement.scrollHeight <= window.innerHeight + 1;")


def first_row_status(driver):
    return driver.execute_script(
        "const r = document.querySelector('#checks tbody tr');"
        "return r ? r.getAttribute('data-status') : null;")


def shown_id_number(driver):
    # Read in one script: the rows are re-rendered on each snapshot (no stale element).
    return driver.execute_script(
        "const c = document.querySelector('#fields tr[data-field=\"id_number\"] td');"
        "return c ? c.textContent : null;")


def wait(driver, cond, what):
    try:
        return WebDriverWait(driver, BOUND, poll_frequency=0.02).until(lambda d: cond(d))
    except Exception as e:
        raise Failure(f"timed out waiting for {what}") from e


def verified_page(args, work):
    driver = browser(args.chromedriver)  # started first: the scenario's clock runs
    rig = Rig(args.idr, args.scenario, work)
    try:
        # The API without the token, with another one, and with it.
        check(rig.api("/api/status")[0] == 401, "API without the token: 401")
        check(rig.api("/api/status", "0" * len(rig.token))[0] == 403, "API with another token: 403")
        check(rig.api("/api/status", rig.token)[0] == 200, "API with the token: 200")

        started = time.monotonic()
        driver.get(rig.page)
        wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seq"),
             "the first snapshot")
        first_data = time.monotonic() - started
        nav = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return [n.domContentLoadedEventEnd, n.loadEventEnd];")
        print(f"figure: page load: DOMContentLoaded {nav[0]:.0f} ms, load {nav[1]:.0f} ms, "
              f"first data on screen {first_data * 1000:.0f} ms")

        # Accepted, with the photo.
        wait(driver, lambda d: shown_id_number(d) == ZHANG_WEI, "the accepted card")
        check(driver.find_element(By.ID, "verdict").get_attribute("data-verdict") == "accepted",
              "accepted: the badge says accepted")
        check("通过" in text(driver, "#verdict") and "ACCEPTED" in text(driver, "#verdict"),
              "accepted: badge text 通过 ACCEPTED")
        check("张伟" in text(driver, "#fields"), "accepted: the name 张伟 shown")
        check("姓名 Name" in text(driver, "#fields"), "accepted: labels in Chinese and English")
        wait(driver, lambda d: d.execute_script(
            "const i = document.getElementById('photo'); return i.complete && i.naturalWidth > 0"),
            "the photo to load")
        check(driver.find_element(By.ID, "photo").is_displayed(), "accepted: the photo shown")
        r = rows(driver)
        check(all(s == "SUCCEEDED" for s, _, _ in r.values()) and "signature" in r
              and "lost_stolen" in r, "accepted: every check row SUCCEEDED")
        check("未挂失 not listed" in text(driver, "#lost-stolen"), "accepted: not listed")
        check("IDR-" in text(driver, "#reader-id"), "accepted: reader identity and counter shown")
        driver.save_screenshot(os.path.join(args.out, "accepted.png"))
        first_counter = text(driver, "#reader-id")

        # Rejected: expired.
        wait(driver, lambda d: shown_id_number(d) == EXPIRED, "the expired card")
        check(driver.find_element(By.ID, "verdict").get_attribute("data-verdict") == "rejected",
              "expired: the badge says rejected")
        r = rows(driver)
        check(r.get("validity.current", (None, None))[:2] == ("FAILED", "expired"),
              "expired: the row validity.current FAILED, reason expired")
        check("expired" in text(driver, "#verdict-why"), "expired: the reason under the badge")
        check(first_row_status(driver) == "FAILED", "expired: the FAILED row is the first row")
        check(fits_screen(driver), "expired: the page fits 1366x768 (checks scroll in their box)")
        driver.save_screenshot(os.path.join(args.out, "rejected-expired.png"))

        # Rejected: listed lost/stolen.
        wait(driver, lambda d: shown_id_number(d) == LISTED, "the listed card")
        check(driver.find_element(By.ID, "verdict").get_attribute("data-verdict") == "rejected",
              "listed: the badge says rejected")
        check(rows(driver).get("lost_stolen", (None,))[0] == "FAILED",
              "listed: the row lost_stolen FAILED")
        check(driver.find_element(By.ID, "lost-stolen").get_attribute("data-listed") == "true",
              "listed: LISTED lost/stolen shown")
        driver.save_screenshot(os.path.join(args.out, "rejected-listed.png"))

        # The first card removed and presented again: a new presentation, no reload.
        driver.execute_script("window.__same_page = true;")
        deadline = time.monotonic() + BOUND
        seen_at = None
        while time.monotonic() < deadline:
            status, snap = rig.api("/api/status", rig.token)
            last = snap["presentations"][-1] if snap and snap["presentations"] else {}
            if last.get("card", {}).get("id_number") == ZHANG_WEI:
                seen_at = time.monotonic()
                break
            time.sleep(0.02)
        check(seen_at is not None, "the card presented again reached the API")
        wait(driver, lambda d: shown_id_number(d) == ZHANG_WEI, "the card presented again")
        update = time.monotonic() - seen_at
        print(f"figure: page update after a presentation reached the API: {update * 1000:.0f} ms "
              f"(20 ms polling on both sides)")
        check(driver.execute_script("return window.__same_page === true;"),
              "presented again: shown without a reload")
        check(text(driver, "#reader-id") != first_counter,
              "presented again: a new read (another counter)")
        driver.save_screenshot(os.path.join(args.out, "accepted-again.png"))

        # Enter: next (the card leaves the screen); the waiting state.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ENTER)
        wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state")
             == "waiting", "the waiting state after Enter")
        check(not driver.find_element(By.ID, "result").is_displayed()
              and "请放置证件" in text(driver, "#prompt"), "Enter: card cleared, waiting prompt")
        driver.save_screenshot(os.path.join(args.out, "waiting.png"))

        # The page's own requests carry the token; the browser without it is refused.
        driver.get(rig.base + "/api/status")
        check("this API needs the token" in driver.page_source, "browser API without token refused")
    finally:
        if driver:
            driver.quit()
        check(rig.close(), "idr serve and idr sim stopped cleanly (130)")


def not_verified_page(args, work):
    other = os.path.join(work, "other-ca")
    subprocess.run([args.idr, "ca", "init", other, "--name", "another CA"], check=True,
                   stdout=subprocess.DEVNULL)
    driver = browser(args.chromedriver)
    rig = Rig(args.idr, args.scenario, work, trust=os.path.join(other, "root.crt.pem"))
    try:
        driver.get(rig.page)
        wait(driver, lambda d: d.find_element(By.ID, "verdict").get_attribute("data-verdict")
             == "rejected", "the not verified card")
        check("NOT VERIFIED" in text(driver, "#verdict"), "not verified: badge NOT VERIFIED")
        check(rows(driver).get("chain", (None,))[0] == "FAILED", "not verified: chain row FAILED")
        check(driver.find_elements(By.CSS_SELECTOR, "#fields tbody tr") == [],
              "not verified: no field shown")
        check("张伟" not in driver.page_source and ZHANG_WEI not in driver.page_source,
              "not verified: nothing of the card in the page")
        check(not driver.find_element(By.ID, "photo").is_displayed(), "not verified: no photo")
        driver.save_screenshot(os.path.join(args.out, "rejected-not-verified.png"))
        # The reader stopped: the error state.
        stop(rig.sim)
        wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state")
             in ("error",), "the reader error state")
        driver.save_screenshot(os.path.join(args.out, "error.png"))
        check("读卡器不可用" in text(driver, "#prompt") or "断开" in text(driver, "#prompt"),
              "error: the page says the reader is not available")
    finally:
        if driver:
            driver.quit()
        serve_ok = stop(rig.serve)
        check(serve_ok, "idr serve stopped cleanly (130)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--idr", required=True)
    p.add_argument("--scenario", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--case", choices=["verified", "not-verified"], required=True)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="idr-serve-browser-") as work:
        try:
            (verified_page if args.case == "verified" else not_verified_page)(args, work)
        except Failure as e:
            print(f"FAILED: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
