"""200 browsers, each behind its own address (X-Forwarded-For through the
trusted proxy 127.0.0.1), post the login form at the same moment.

    login_burst.py BASE N    prints "<signed in> <busy (503)> <other>" and the wall time
"""
import re
import sys
import threading
import time
import urllib.parse

from rp import Browser


def main():
    base, n = sys.argv[1], int(sys.argv[2])
    ready = threading.Barrier(n + 1)
    outcomes = []
    lock = threading.Lock()

    def one(i):
        browser = Browser(base)
        addr = {"X-Forwarded-For": f"198.18.{i // 250}.{i % 250 + 1}"}
        page = browser.request("GET", "/login", headers=addr)[1].decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"username": "demo", "password": "signoff-demo", "csrf": csrf})
        ready.wait()
        resp, _ = browser.request("POST", "/api/login", form, {
            **addr, "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
        location = resp.getheader("Location") or ""
        outcome = "signed_in" if resp.status == 303 and location.endswith("/") else str(resp.status)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    signed_in = outcomes.count("signed_in")
    busy = outcomes.count("503")
    print(signed_in, busy, len(outcomes) - signed_in - busy, f"{elapsed:.2f}")


if __name__ == "__main__":
    main()
