"""The sync window in a real headless browser (Debian's Chromium and chromium-driver, driven by
Selenium; nothing downloaded): the article end to end on the shipped example files, the same
against the fake e-conomic, and the server's refusals. A screenshot of each step is saved under
$WEB_ARTIFACTS (default .build/web-artifacts)."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "protocol", "examples")
FAKE = os.path.join(ROOT, "Tests", "Fixtures", "fake_economic.py")
ARTIFACTS = os.environ.get("WEB_ARTIFACTS") or os.path.join(ROOT, ".build", "web-artifacts")
sys.path.insert(0, os.path.join(ROOT, "clients", "web"))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

import server as web  # noqa: E402

from selenium import webdriver  # noqa: E402  (installed by .ci/run: a missing one fails, never skips)
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def binary():
    path = os.environ.get("CUSTOMER_SYNC_BIN") or os.path.join(ROOT, ".build", "debug", "customer-sync")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no customer-sync binary at {path}: run `swift build` or set CUSTOMER_SYNC_BIN")
    return path


class Window:
    """One server.py on a fresh database, in a thread."""

    def __init__(self, db, args=None):
        self.ready = threading.Event()
        self.thread = threading.Thread(target=web.serve, kwargs=dict(db=db, binary=binary(), args=args, ready=self._ready), daemon=True)
        self.thread.start()
        assert self.ready.wait(30), "the window's server did not start"

    def _ready(self, url, httpd):
        self.url, self.httpd = url, httpd
        self.port = httpd.server_address[1]
        self.token = url.split("token=")[1]
        self.ready.set()

    def rpc(self, method, params=None, origin=True, token=True, host=None):
        """A call as the page makes it (or, with the flags, as a stranger would)."""
        headers = {"Content-Type": "application/json"}
        if origin:
            headers["Origin"] = origin if isinstance(origin, str) else f"http://127.0.0.1:{self.port}"
        if token:
            headers["X-Token"] = token if isinstance(token, str) else self.token
        if host:
            headers["Host"] = host
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/rpc", data=json.dumps({"method": method, "params": params or {}}).encode(),
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def close(self):
        self.httpd.shutdown()
        self.thread.join(30)


@pytest.fixture
def window(tmp_path):
    w = Window(str(tmp_path / "demo.sqlite"), args=["--key-file", str(tmp_path / "key")])
    yield w
    w.close()


@pytest.fixture
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800", "--lang=da"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver_path), options=options)
    driver.set_script_timeout(30)
    yield driver
    logs = []
    try:
        logs = driver.get_log("browser")
    except Exception:  # a driver without logs
        pass
    driver.quit()
    # No script error on the page, whatever the test did.
    assert not [entry for entry in logs if entry.get("level") == "SEVERE" and "favicon" not in entry.get("message", "")], logs


class Page:
    def __init__(self, driver, name):
        self.driver = driver
        self.name = name
        self.steps = 0
        # A list read again replaces its rows: a row found a moment ago may be gone; look again.
        self.wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))

    def open(self, url, language="da"):
        self.driver.get(url)
        self.wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        Select(self.find("#language")).select_by_value(language)
        self.wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == language)

    def shot(self, step):
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.steps += 1
        self.driver.save_screenshot(os.path.join(ARTIFACTS, f"{self.name}-{self.steps:02d}-{step}.png"))

    def find(self, css):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css):
        element = self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
        element.click()
        return element

    def tab(self, name):
        self.click(f"#tab-{name}")

    def text(self, css):
        return self.find(css).text

    def until_text(self, css, fragment):
        self.wait.until(lambda d: fragment in d.find_element(By.CSS_SELECTOR, css).text)
        return self.text(css)

    def row(self, table, number):
        """The row of `table` of customer number `number` (a link's: its local partner's)."""
        return self.wait.until(lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, f'#{table} tbody tr[data-number="{number}"]')), None))

    def press(self, table, number, action):
        """Presses the `action` of the row of `number`: its button, or the item of its row
        menu ("⋯"), opened first (looked up again if the list was read anew meanwhile)."""
        def pressed(_):
            row = self.row(table, number)
            target = row.find_element(By.CSS_SELECTOR, f"[data-action={action}]")
            if not target.is_displayed():
                row.find_element(By.CSS_SELECTOR, "[data-action=menu]").click()
            target.click()
            return True
        self.wait.until(pressed)

    def confirm(self, fragment=None):
        """Confirms the dialog that asks first, checking it names `fragment`."""
        if fragment:
            self.until_text("#dialog-body", fragment)
        self.click("#dialog-ok")

    def submit_import(self, side, mode="merge", skip_invalid=False, expect_ready=True):
        """The Submit step: the register and the mode chosen, the preview waited for."""
        self.wait.until(lambda d: d.find_element(By.ID, "import-step").is_displayed())
        self.wait.until(lambda d: d.find_element(By.ID, "import-preview").get_attribute("data-ready") == "true")
        Select(self.find("#import-form select[name=side]")).select_by_value(side)
        Select(self.find("#import-form select[name=mode]")).select_by_value(mode)
        box = self.find("#import-form input[name=skipInvalid]")
        if box.is_selected() != skip_invalid:
            box.click()
        self.wait.until(lambda d: d.find_element(By.ID, "import-preview").get_attribute("data-ready") == "true")
        if expect_ready:
            self.click("#import-submit")

    def drop(self, side, name, content=None, mode="merge", submit=True):
        """Drops the example file `name` (or `content` under that name) on the drop zone, as a
        user drags a file from the desktop, and submits it after the preview."""
        self.tab("import")
        if content is None:
            with open(os.path.join(EXAMPLES, name), "rb") as f:
                content = f.read()
        data = list(content)
        self.driver.execute_script("""
            const [name, bytes] = arguments;
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name));
            const zone = document.getElementById("drop-zone");
            for (const type of ["dragenter", "dragover", "drop"]) {
              zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }""", name, data)
        if submit:
            self.submit_import(side, mode)

    def import_file(self, side, name, skip_invalid=False, submit=True):
        self.tab("import")
        self.find("#import-file").send_keys(os.path.join(EXAMPLES, name))
        if submit:
            self.submit_import(side, skip_invalid=skip_invalid)


def settle(page):
    """Waits for the action's refresh: a message shown, the progress bar gone."""
    page.wait.until(lambda d: d.find_element(By.ID, "progress").get_attribute("hidden") is not None)
    time.sleep(0.3)


def test_the_article_end_to_end(window, browser):
    page = Page(browser, "article")
    page.open(window.url)
    assert "Synkronisering" in page.text("h1")
    page.shot("opened")

    # A file with errors: its preview lists every rejected line and its reason in Danish, it
    # cannot be submitted, and nothing is imported.
    page.import_file("remote", "remote-customers-with-errors.csv", submit=False)
    page.submit_import("remote", expect_ready=False)
    page.until_text("#import-preview", "afvist")
    rejected = page.find("#rejected").text
    assert "3" in rejected and "4" in rejected  # the lines of the country and the missing number
    assert "Landet kendes ikke" in rejected and "Kundenummer mangler" in rejected
    assert not page.find("#import-submit").is_enabled()
    assert window.rpc("status")[1]["result"]["remote"]["total"] == 0
    page.shot("rejected-file")
    page.click("#import-cancel")

    # The two registers: the local CSV, the remote as the workbook's bytes.
    page.drop("local", "local-customers.csv")
    page.until_text("#notice", "Tilføjet 12")
    page.import_file("remote", "remote-customers.xlsx")
    page.until_text("#notice", "Tilføjet 11")
    page.shot("imported")

    # Both lists, side by side.
    page.tab("unsynced")
    assert "1004" in page.until_text("#unsynced-local", "Advokatfirmaet")
    assert "2004" in page.until_text("#unsynced-remote", "Advokatfirma Holm")
    page.shot("unsynced")

    # Search.
    search = page.find("#search-unsynced-remote-list")
    search.send_keys("Kontorhuset", Keys.ENTER)
    page.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#unsynced-remote tbody tr")) == 1)
    assert browser.switch_to.active_element == search  # the field keeps its focus
    search.send_keys(Keys.CONTROL, "a", Keys.DELETE, Keys.ENTER)
    page.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#unsynced-remote tbody tr")) > 5)

    # Choose partner: the likely partners first, with their reasons; then "Choose as partner".
    page.press("unsynced-local", "1004", "choose")
    likely = page.until_text("#likely-table", "2004")
    assert "%" in likely
    page.shot("likely-partners")
    page.press("likely-table", "2004", "choose-as")

    # The names and addresses differ: a conflict, shown value by value.
    page.wait.until(lambda d: d.find_element(By.ID, "tab-conflicts").get_attribute("aria-selected") == "true")
    form = page.find("form.conflict")
    submit = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert not submit.is_enabled()
    fields = {b.get_attribute("data-field") for b in form.find_elements(By.CSS_SELECTOR, "button.value")}
    assert {"name", "address"} <= fields
    page.shot("conflict")
    for field in sorted(fields - {"address"}):
        side = "remote" if field == "name" else "local"
        button = form.find_element(By.CSS_SELECTOR, f"button.value[data-field={field}][data-side={side}]")
        button.click()
        assert "chosen" in button.get_attribute("class")
        # The chosen value turns blue.
        assert browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", button) == "rgb(29, 95, 209)"
    assert not submit.is_enabled()  # the address has no choice yet
    # A value of one's own for the address, typed.
    form.find_element(By.CSS_SELECTOR, "input[data-own=address]").send_keys("Store Kongensgade 40, 3. th.")
    assert submit.is_enabled()
    page.shot("conflict-chosen")
    submit.click()
    page.until_text("#notice", "løst")
    link = next(l for l in window.rpc("listLinks", {"state": "synced"})[1]["result"]["items"] if l["local"]["number"] == "1004")
    assert link["local"]["name"] == link["remote"]["name"] == "Advokatfirma Holm & Co."
    assert link["local"]["address"] == link["remote"]["address"] == "Store Kongensgade 40, 3. th."

    # Accept certain suggestions: a preview of how many pairs, then Submit.
    page.tab("unsynced")
    page.click("#open-accept")
    preview = page.until_text("#accept-preview", "par forbindes")
    linked = int(preview.split()[0])
    assert linked >= 1
    page.shot("accept-preview")
    page.click("#dialog-ok")
    page.until_text("#notice", "par forbundet")
    settle(page)
    links = window.rpc("status")[1]["result"]["links"]
    assert links["synced"] + links["conflict"] == 1 + linked

    # The accepted pairs that differ wait in Conflicts: each resolved with CleanManager's values.
    page.tab("conflicts")
    for _ in range(links["conflict"]):
        page.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "form.conflict"))
        form = browser.find_elements(By.CSS_SELECTOR, "form.conflict")[0]
        name = form.get_attribute("data-link")
        for button in form.find_elements(By.CSS_SELECTOR, "button.value[data-side=local]"):
            button.click()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        page.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, f"form.conflict[data-link={name}]"))
    page.until_text("#conflicts", "Ingen konflikter")
    assert window.rpc("status")[1]["result"]["links"]["conflict"] == 0

    # "No synchronisation" for one customer.
    page.tab("unsynced")
    page.press("unsynced-local", "1010", "exclude")
    page.confirm("1010")
    page.tab("excluded")
    page.wait.until(lambda d: "1010" in d.find_element(By.ID, "excluded-table").text)
    page.shot("excluded")

    # Create partner for one, with a number that is taken: the next free one is proposed.
    page.tab("unsynced")
    page.press("unsynced-local", "1006", "create")
    number = page.find("#partner-number")
    number.clear()
    number.send_keys("1001")
    page.click("#dialog-ok")
    page.until_text("#dialog-body", "optaget")
    proposed = page.find("#partner-number").get_attribute("value")
    assert proposed.isdigit() and proposed != "1001"
    page.shot("number-taken")
    page.click("#dialog-ok")
    page.until_text("#notice", "Opret partner")

    # Create all partners: a preview of what will be created and skipped, then Submit.
    before = window.rpc("status")[1]["result"]
    page.click("#open-create-all")
    page.wait.until(lambda d: d.find_element(By.ID, "create-all-preview").get_attribute("data-ready") == "true")
    preview = page.until_text("#create-all-preview", "oprettes")
    dry = window.rpc("createAllPartners", {"side": "local", "numbering": {"mode": "keep"}, "dryRun": True})[1]["result"]
    # Every planned partner by name and number; skipped ones by name too.
    for planned in dry["planned"]:
        assert planned["name"] in preview
    assert ("Springes over" in preview) == bool(dry["skipped"])
    page.shot("create-all-preview")
    assert window.rpc("status")[1]["result"] == before  # the preview wrote nothing
    page.click("#dialog-ok")
    page.until_text("#notice", "oprettet")
    settle(page)
    after = window.rpc("status")[1]["result"]
    assert after["links"]["synced"] > before["links"]["synced"]
    page.shot("created-all")

    # Stop synchronisation, then restart it by choosing the partner again.
    page.tab("synced")
    page.press("synced-table", "1004", "unlink")
    page.confirm("1004")
    page.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '#synced-table tbody tr[data-number="1004"]'))
    page.tab("unsynced")
    page.press("unsynced-local", "1004", "choose")
    page.press("likely-table", "2004", "choose-as")
    page.tab("synced")
    page.row("synced-table", "1004")
    page.shot("sync-restarted")

    # Enable sync again for the excluded one.
    page.tab("excluded")
    page.find("#excluded-table [data-action=enable]").click()
    page.wait.until(lambda d: "1010" not in d.find_element(By.ID, "excluded-table").text)

    # The history of a link, on demand.
    page.tab("synced")
    page.press("synced-table", "1004", "history")
    assert page.until_text("#history-list", "Partner valgt")
    page.shot("history")
    page.find("#dialog-buttons button").click()

    # The accounting register again, as its whole (replace), without one synchronised customer:
    # that link is deleted, and the Deleted tab offers the choices.
    with open(os.path.join(EXAMPLES, "remote-customers.csv"), "rb") as f:
        lines = f.read().split(b"\n")
    gone = next(line for line in lines if line.startswith(b"2004;"))  # the partner of local 1004
    page.drop("remote", "remote-without-2004.csv", b"\n".join(line for line in lines if line is not gone), mode="replace")
    # The replace deletes: the dialog says whom before anything changes.
    page.confirm("2004")
    page.until_text("#notice", "remote-without-2004.csv")
    assert "slettet 1" in page.text("#notice")
    page.tab("deleted")
    page.row("deleted-table", "1004")
    page.shot("deleted")
    page.press("deleted-table", "1004", "unlink")
    page.until_text("#deleted", "Ingen slettede")
    assert window.rpc("status")[1]["result"]["links"]["deleted"] == 0

    # In English too.
    Select(page.find("#language")).select_by_value("en")
    page.until_text("#tab-unsynced", "Not synchronised")
    page.shot("english")
    final = window.rpc("status")[1]["result"]
    assert final["local"]["excluded"] == 0 and final["links"]["conflict"] == 0


def create_partner_of_1006(page):
    """Imports the example local register and creates a partner for its customer 1006."""
    page.import_file("local", "local-customers.csv")
    page.until_text("#notice", "Tilføjet 12")
    page.tab("unsynced")
    page.press("unsynced-local", "1006", "create")
    page.click("#dialog-ok")


def test_the_window_against_the_fake_economic(window, browser, tmp_path):
    fake = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--app-secret", "app-tok-7Q", "--grant", "grant-tok-9Z"],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{int(fake.stdout.readline().split()[1])}"
        seed = [{"customerNumber": 7, "name": "Syv ApS", "currency": "DKK", "city": "Vejle", "customerGroup": {"customerGroupNumber": 1},
                 "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}},
                # A country no one knows: kept as e-conomic holds it, and listed as a warning after the pull.
                {"customerNumber": 8, "name": "Otte ApS", "currency": "DKK", "country": "Atlantis", "customerGroup": {"customerGroupNumber": 1},
                 "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}}]
        urllib.request.urlopen(urllib.request.Request(base + "/__fake/customers", data=json.dumps(seed).encode(), method="POST",
                                                      headers={"Content-Type": "application/json"})).read()
        page = Page(browser, "economic")
        page.open(window.url)
        page.tab("connection")
        assert "Ikke forbundet" in page.text("#connection-state")

        def connect(secret):
            form = page.find("#connect-form")
            form.find_element(By.NAME, "baseUrl").send_keys(base)
            form.find_element(By.NAME, "appSecretToken").send_keys(secret)
            form.find_element(By.NAME, "agreementGrantToken").send_keys("grant-tok-9Z")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        # Wrong tokens: said in words; the tokens are gone from the page either way.
        connect("wrong")
        page.until_text("#message", "afviste nøglerne")
        assert page.find("#connect-form input[name=appSecretToken]").get_attribute("value") == ""
        page.shot("unauthorized")
        page.find("#connect-form input[name=baseUrl]").clear()
        connect("app-tok-7Q")
        page.until_text("#connection-state", "Forbundet til e-conomic")
        assert "tok-" not in browser.page_source
        page.shot("connected")

        page.click("#pull")
        page.until_text("#connection-result", "2 nye")
        page.until_text("#connection-result", "1 med værdier")
        page.until_text("#pull-warnings", "8 (country)")
        # The pull's $/progress reached the page through the event stream.
        page.wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-progress") == "2/2")
        page.tab("unsynced")
        page.until_text("#unsynced-remote", "Syv ApS")
        page.shot("pulled")

        # A local customer, created on the remote side, then pushed.
        create_partner_of_1006(page)
        page.until_text("#notice", "Opret partner")
        page.tab("connection")
        page.until_text("#connection-queued", "1")
        page.click("#push")
        page.until_text("#connection-result", "1 oprettet")
        page.until_text("#connection-queued", "0")
        page.shot("pushed")
        held = json.loads(urllib.request.urlopen(base + "/__fake/customers").read())
        assert any(c["customerNumber"] == 1006 and c["name"] == "Lise Kjær (privat)" for c in held)
    finally:
        fake.kill()
        fake.wait()


def test_the_keyboard_a_narrow_window_and_labels(window, browser):
    browser.set_window_size(480, 900)
    page = Page(browser, "narrow")
    page.open(window.url)
    # The tabs by arrow keys, as a tab list should.
    page.find("#tab-import").click()
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    page.wait.until(lambda d: d.find_element(By.ID, "tab-connection").get_attribute("aria-selected") == "true")
    assert browser.switch_to.active_element.get_attribute("id") == "tab-connection"
    browser.switch_to.active_element.send_keys(Keys.END)
    page.wait.until(lambda d: d.find_element(By.ID, "tab-deleted").get_attribute("aria-selected") == "true")
    page.tab("unsynced")
    page.shot("narrow-unsynced")
    # Nothing wider than the window: the page does not scroll sideways.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Every control has a name a screen reader can say.
    unnamed = browser.execute_script("""
        return [...document.querySelectorAll("input, select, button")].filter((e) => {
          if (e.type === "file" || e.closest("[hidden]")) return false;
          const label = e.labels && e.labels.length && e.labels[0].textContent.trim();
          return !(label || e.getAttribute("aria-label") || e.textContent.trim() || e.getAttribute("title"));
        }).map((e) => e.outerHTML.slice(0, 80));""")
    assert unnamed == []


def test_a_stranger_is_refused(window):
    # The page's own call goes through.
    assert window.rpc("status")[0] == 200
    # Another origin, no token, a wrong token, another Host (DNS rebinding), no Origin on a POST.
    assert window.rpc("status", origin="http://evil.example")[0] == 403
    assert window.rpc("status", token=False)[0] == 403
    assert window.rpc("status", token="guess")[0] == 403
    assert window.rpc("status", host="evil.example:80")[0] == 403
    assert window.rpc("status", origin=False)[0] == 403
    # Only the window's methods are forwarded.
    assert window.rpc("shutdown")[0] == 400
    assert window.rpc("status")[0] == 200
    # The event stream needs the token too; the page itself is served.
    for path, status in ((f"/api/events", 403), (f"/api/events?token=guess", 403), ("/", 200), ("/../server.py", 404)):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{window.port}{path}", timeout=5) as reply:
                got = reply.status
        except urllib.error.HTTPError as error:
            got = error.code
        assert got == status, path
    # A refused call changed nothing.
    assert window.rpc("status")[1]["result"]["local"]["total"] == 0


def test_the_window_connects_to_dinero(window, browser, tmp_path):
    """The connection form offers both systems; Dinero's own fields, its pull."""
    dinero = os.path.join(ROOT, "Tests", "Fixtures", "fake_dinero.py")
    fake = subprocess.Popen([sys.executable, dinero, "--port", "0", "--client-id", "isv_web", "--client-secret", "web-secret",
                             "--api-key", "web-key", "--organization", "99"], stdout=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{int(fake.stdout.readline().split()[1])}"
        seed = [{"Name": "Dinero Kunde ApS", "ExternalReference": "55", "City": "Vejle", "CountryKey": "DK"}]
        urllib.request.urlopen(urllib.request.Request(base + "/__fake/contacts", data=json.dumps(seed).encode(), method="POST",
                                                      headers={"Content-Type": "application/json"})).read()
        page = Page(browser, "dinero")
        page.open(window.url)
        page.tab("connection")
        form = page.find("#connect-form")
        Select(form.find_element(By.NAME, "system")).select_by_value("dinero")
        assert form.find_element(By.NAME, "clientId").is_displayed()
        assert not form.find_element(By.NAME, "appSecretToken").is_displayed(), "e-conomic's fields are hidden"
        form.find_element(By.NAME, "baseUrl").send_keys(base)
        form.find_element(By.NAME, "authUrl").send_keys(base + "/dineroapi/oauth/token")
        form.find_element(By.NAME, "clientId").send_keys("isv_web")
        form.find_element(By.NAME, "clientSecret").send_keys("web-secret")
        form.find_element(By.NAME, "apiKey").send_keys("web-key")
        form.find_element(By.NAME, "organizationId").send_keys("99")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        page.until_text("#connection-state", "Forbundet til Dinero")
        assert "web-secret" not in browser.page_source and "web-key" not in browser.page_source
        page.click("#pull")
        page.until_text("#connection-result", "1 nye")
        page.tab("unsynced")
        page.until_text("#unsynced-remote", "Dinero Kunde ApS")
        page.shot("dinero-pulled")
    finally:
        fake.kill()
        fake.wait()


def test_automatic_sync_in_the_window(window, browser, tmp_path):
    """The switch turns automatic sync on; its first round's remoteSynced refreshes the lists
    with nobody pressing anything; the header says when it synchronised; a partner created
    meanwhile is said to reach the system within the interval; the switch turns it off."""
    fake = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--app-secret", "app-tok-7Q", "--grant", "grant-tok-9Z"],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{int(fake.stdout.readline().split()[1])}"
        seed = [{"customerNumber": 17, "name": "Sytten Rengøring ApS", "currency": "DKK", "city": "Vejle",
                 "customerGroup": {"customerGroupNumber": 1}, "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}}]
        urllib.request.urlopen(urllib.request.Request(base + "/__fake/customers", data=json.dumps(seed).encode(), method="POST",
                                                      headers={"Content-Type": "application/json"})).read()
        page = Page(browser, "autosync")
        page.open(window.url)
        page.tab("connection")
        assert page.find("#auto-sync").get_attribute("disabled") is not None
        form = page.find("#connect-form")
        form.find_element(By.NAME, "baseUrl").send_keys(base)
        form.find_element(By.NAME, "appSecretToken").send_keys("app-tok-7Q")
        form.find_element(By.NAME, "agreementGrantToken").send_keys("grant-tok-9Z")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        page.until_text("#connection-state", "Forbundet til e-conomic")
        assert not page.find("#sync-line").is_displayed()
        # On, every 5 minutes (the default choice): never pulled, so the first round comes at once.
        page.click("#auto-sync-on")
        page.until_text("#notice", "hvert 5. minut")
        page.wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-synced"))
        page.until_text("#sync-line", "Sidst synkroniseret")
        page.until_text("#sync-line", "næste")
        page.tab("unsynced")
        page.until_text("#unsynced-remote", "Sytten Rengøring ApS")
        page.shot("auto-synced")
        # A partner made now is on its way: the notice says by when.
        create_partner_of_1006(page)
        page.until_text("#notice", "Den når e-conomic inden for 5 minutter")
        # Off: the header line goes, and the status says so.
        page.tab("connection")
        page.click("#auto-sync-on")
        page.until_text("#notice", "slået fra")
        page.wait.until(lambda d: not d.find_element(By.ID, "sync-line").is_displayed())
    finally:
        fake.kill()
        fake.wait()


def register_csv(first, count, prefix, phone_of=None):
    """A register of `count` customers numbered from `first`: CleanManager's header."""
    lines = ["Kundenr.;Navn;Adresse;Postnr.;By;Telefon;E-mail"]
    for n in range(first, first + count):
        phone = phone_of(n) if phone_of else f"{20000000 + n}"
        lines.append(f"{n};{prefix} {n} ApS;Vestergade {n % 90 + 1};{5000 + n % 900};Odense;{phone};kunde{n}@example.dk")
    return "\n".join(lines) + "\n"


def test_the_submit_step_guesses_the_register_and_asks_before_deleting(window, browser):
    page = Page(browser, "submit-step")
    page.open(window.url)
    # A CleanManager file (its cleaning-frequency column says so): nothing happens on picking it.
    page.import_file("local", "local-customers.csv", submit=False)
    page.wait.until(lambda d: d.find_element(By.ID, "import-preview").get_attribute("data-ready") == "true")
    assert Select(page.find("#import-form select[name=side]")).first_selected_option.get_attribute("value") == "local"
    assert "CleanManager" in page.text("#import-guess")
    assert "tilføje 12" in page.text("#import-effect")
    assert "Rengøringsfrekvens → gemmes som ekstra kolonne" in browser.execute_script("return document.getElementById('import-columns').textContent")
    assert window.rpc("status")[1]["result"]["local"]["total"] == 0  # the preview changed nothing
    page.shot("preview")
    page.click("#import-submit")
    page.until_text("#notice", "Tilføjet 12")
    # The same file again, about to go into the accounting system's register: said plainly.
    page.import_file("local", "local-customers.csv", submit=False)
    page.wait.until(lambda d: d.find_element(By.ID, "import-preview").get_attribute("data-ready") == "true")
    Select(page.find("#import-form select[name=side]")).select_by_value("remote")
    page.until_text("#import-other", "ligner CleanManager, men indlæses i Økonomisystem")
    page.shot("wrong-register")
    page.click("#import-cancel")
    assert window.rpc("status")[1]["result"]["remote"]["total"] == 0
    # A replace by a file without three customers: named before, and nothing deleted on Cancel.
    with open(os.path.join(EXAMPLES, "local-customers.csv"), "rb") as f:
        lines = f.read().split(b"\n")
    shorter = b"\n".join(lines[:1] + lines[4:])
    page.drop("local", "shorter.csv", shorter, mode="replace", submit=False)
    page.submit_import("local", mode="replace", expect_ready=False)
    page.until_text("#import-effect", "slette 3")
    assert len(page.find("#would-delete").find_elements(By.TAG_NAME, "li")) == 3
    page.click("#import-submit")
    page.until_text("#dialog-body", "Bageriet")
    page.shot("confirm-delete")
    page.click("#dialog-cancel")
    assert window.rpc("status")[1]["result"]["local"]["total"] == 12
    page.click("#import-submit")
    page.click("#dialog-ok")
    page.until_text("#notice", "slettet 3")
    assert window.rpc("status")[1]["result"]["local"]["total"] == 9


def test_every_list_at_20000_customers_a_side(window, browser):
    """20,000 synchronised pairs and 20,000 unsynchronised accounting customers: every list
    paged to its end and searched, a phone found as dialled from abroad, conflict choices
    kept, Enter confirming, reasons and history in Danish; screenshots at 1400 and 800 px."""
    special = 17017
    local = register_csv(1, 20000, "Rengøring", phone_of=lambda n: "67 38 56 14" if n == 17 else f"{20000000 + n}")
    assert window.rpc("importCustomers", {"side": "local", "content": local})[0] == 200
    made = window.rpc("createAllPartners", {"side": "local", "numbering": {"mode": "keep"}})[1]["result"]
    assert made["created"] == 20000
    remote = register_csv(100001, 20000, "Kunde", phone_of=lambda n: "+45 86 12 34 56" if n == 100000 + special else f"{30000000 + n}")
    assert window.rpc("importCustomers", {"side": "remote", "content": remote})[0] == 200
    # Two conflicts: two local customers like two accounting ones but for the city, linked.
    twins = "".join(line.replace(f"{n};", f"{n - 70000};", 1).replace(";Odense;", ";Nyborg;") + "\n"
                    for n, line in ((n, next(l for l in remote.split("\n") if l.startswith(f"{n};"))) for n in (100001, 100002)))
    # And one local customer much like the accounting system's customer with the +45 phone.
    like = next(l for l in remote.split("\n") if l.startswith(f"{100000 + special};")).replace(f"{100000 + special};", "40001;", 1)
    assert window.rpc("importCustomers", {"side": "local", "content": "Kundenr.;Navn;Adresse;Postnr.;By;Telefon;E-mail\n" + twins + like + "\n"})[0] == 200
    for n in (1, 2):
        local_id = window.rpc("listUnsynced", {"side": "local", "query": f"kunde{100000 + n}@"})[1]["result"]["items"][0]["id"]
        remote_id = window.rpc("listUnsynced", {"side": "remote", "query": f"kunde{100000 + n}@"})[1]["result"]["items"][0]["id"]
        assert window.rpc("selectPartner", {"localId": local_id, "remoteId": remote_id})[1]["result"]["state"] == "conflict"
    browser.set_window_size(1400, 900)
    page = Page(browser, "size")
    page.open(window.url)

    # The synchronised list: its total, then its last page and back one.
    page.tab("synced")
    page.until_text("#synced-count", "1–25 af 20.000")
    page.until_text("#synced-pager", "Side 1 af 800")
    page.shot("synced-1400")
    page.click("#synced-pager [data-page=last]")
    page.until_text("#synced-pager", "Side 800 af 800")
    page.until_text("#synced-count", "19.976–20.000 af 20.000")
    assert "20000" in page.text("#synced-table")
    page.click("#synced-pager [data-page=previous]")
    page.until_text("#synced-pager", "Side 799 af 800")
    # Found as written in another register's style: +45 before the local 67 38 56 14.
    search = page.find("#search-synced")
    search.send_keys("+45 67385614", Keys.ENTER)
    page.until_text("#synced-count", "1–1 af 1")
    assert "Rengøring 17 ApS" in page.text("#synced-table")

    # The unsynchronised accounting customers: 20,000, numbered pages, a phone from abroad.
    page.tab("unsynced")
    page.until_text("#unsynced-remote-list-count", "af 19.998")
    page.until_text("#unsynced-remote-list-pager", "Side 1 af 800")
    page.shot("unsynced-1400")
    page.click("#unsynced-remote-list-pager [data-page=next]")
    page.until_text("#unsynced-remote-list-pager", "Side 2 af 800")
    search = page.find("#search-unsynced-remote-list")
    search.send_keys("0045 86123456", Keys.ENTER)
    page.until_text("#unsynced-remote-list-count", "1–1 af 1")

    # Choose partner: the reasons in Danish, by how much each weighs.
    page.press("unsynced-remote", str(100000 + special), "choose")
    reasons = page.until_text("#likely", "taler")
    assert "taler" in reasons and "equal" not in reasons and "(+" not in reasons

    # Create partner with Enter: the dialog's default button is the one that does it.
    page.press("unsynced-remote", str(100000 + special), "create")
    number = page.find("#partner-number")
    number.clear()
    number.send_keys("90001", Keys.ENTER)
    page.until_text("#notice", "Opret partner")
    assert window.rpc("listUnsynced", {"side": "remote", "query": "86123456"})[1]["result"]["total"] == 0

    # Conflicts: a value chosen in one is kept while the other is resolved.
    page.tab("conflicts")
    page.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "form.conflict")) == 2)
    page.shot("conflicts-1400")
    first, second = browser.find_elements(By.CSS_SELECTOR, "form.conflict")
    first_link = first.get_attribute("data-link")
    first.find_element(By.CSS_SELECTOR, "button.value[data-field=city][data-side=remote]").click()
    second.find_element(By.CSS_SELECTOR, "button.value[data-field=city][data-side=local]").click()
    second.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    page.until_text("#notice", "løst")
    page.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "form.conflict")) == 1)
    kept = page.find(f"form.conflict[data-link={first_link}] button.value[data-field=city][data-side=remote]")
    assert kept.get_attribute("aria-pressed") == "true"

    # The history of a link: what happened, in Danish, at local time.
    page.tab("synced")
    page.find("#search-synced").send_keys(Keys.CONTROL, "a", Keys.DELETE, "Rengøring 2 ApS", Keys.ENTER)
    page.until_text("#synced-count", "af ")
    page.press("synced-table", "2", "history")
    history = page.until_text("#history-list", "Partnere oprettet")
    assert "createAllPartners" not in history and "Z" not in history.split("·")[0]
    page.click("#dialog-cancel")

    # At 800 px one register at a time, switched by the radio buttons.
    browser.set_window_size(800, 900)
    page.tab("unsynced")
    assert page.find("#side-local").is_displayed() and not page.find("#side-remote").is_displayed()
    page.shot("unsynced-800")
    browser.find_element(By.CSS_SELECTOR, "input[name=show-side][value=remote]").click()
    page.wait.until(lambda d: d.find_element(By.ID, "side-remote").is_displayed())
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.tab("synced")
    page.shot("synced-800")


def test_the_language_outlives_a_restart_on_another_port(window, browser, tmp_path):
    """The choice is kept per host (a cookie), not per port: a window started again on a new
    random port opens in the language chosen before. And a reader's warning is in that
    language too."""
    page = Page(browser, "language")
    page.open(window.url, language="en")
    page.until_text("#tab-unsynced", "Not synchronised")
    other = Window(str(tmp_path / "other.sqlite"), args=["--key-file", str(tmp_path / "key2")])
    try:
        assert other.port != window.port
        browser.get(other.url)
        page.wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        assert "Not synchronised" in page.text("#tab-unsynced")
        Select(page.find("#language")).select_by_value("da")
        page.wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "da")
        # pandas' row index in a column without a header: said in Danish, before anything changes.
        page.drop("local", "pandas.csv", ",Kundenr.,Navn\n0,1,Første ApS\n1,2,Anden ApS\n".encode(), submit=False)
        page.submit_import("local", expect_ready=False)
        page.until_text("#import-warnings", "Kolonne A har ingen overskrift")
    finally:
        other.close()
