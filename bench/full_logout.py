"""A full logout, N times, as a browser does it: the dialog (GET /logout with
an id_token_hint, a registered post_logout_redirect_uri and a state), Yes
(POST /api/logout/confirm), and the redirect to the RP's post-logout URI.
The sessions are signed in first; then WARM_UP logouts (50) run unmeasured,
so that every pooled database connection has prepared its statements; only
the N logouts after them are measured.

    full_logout.py BASE N 'PIDS COMMAND'
    CONCURRENCY=4 full_logout.py …    (4 browsers at once; 1 by default)

prints "<server CPU µs per logout> <p50 ms> <p99 ms>", where the server CPU
is that of the processes PIDS COMMAND lists (signoff, PostgreSQL, the proxy),
read from /proc before and after.
"""
import html
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rp  # noqa: E402

POST_LOGOUT = "http://127.0.0.1:8080/signed-out"


def cpu_ticks(command):
    total = 0
    for pid in subprocess.check_output(command, shell=True, text=True).split():
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total


def field(page, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field in the dialog"
    return html.unescape(match.group(1))


def logout(browser, token, state):
    query = urllib.parse.urlencode({
        "id_token_hint": token, "post_logout_redirect_uri": POST_LOGOUT, "state": state})
    resp, page = browser.request("GET", f"/logout?{query}")
    assert resp.status == 200, resp.status
    page = page.decode()
    form = urllib.parse.urlencode({
        "csrf": field(page, "csrf"), "request": field(page, "request"), "choice": "yes"})
    resp, _ = browser.request("POST", "/api/logout/confirm", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    assert resp.status in (302, 303), resp.status
    location = resp.getheader("Location")
    assert location.startswith(POST_LOGOUT) and f"state={state}" in location, location


def main():
    base, n, pids = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    warm_up = int(os.environ.get("WARM_UP", "50"))
    sessions = []
    for _ in range(warm_up + n):
        browser = rp.Browser(base)
        browser.sign_in()
        sessions.append((browser, browser.id_token()))
    for i, (browser, token) in enumerate(sessions[:warm_up]):
        logout(browser, token, f"warm-up-{i}")
    sessions = sessions[warm_up:]
    took = []

    def run(part):
        for i, (browser, token) in part:
            start = time.perf_counter()
            logout(browser, token, f"bench-{i}")
            took.append(time.perf_counter() - start)

    # CONCURRENCY browsers log out at once, each its share in turn: the cost
    # per logout under load, where the server's threads seldom sleep
    # between requests (a lone browser makes it wake for every step).
    concurrency = int(os.environ.get("CONCURRENCY", "1"))
    parts = [list(enumerate(sessions))[k::concurrency] for k in range(concurrency)]
    threads = [threading.Thread(target=run, args=(part,)) for part in parts]
    before = cpu_ticks(pids)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = cpu_ticks(pids)
    took.sort()
    per_logout_us = (after - before) / os.sysconf("SC_CLK_TCK") / n * 1e6
    print(f"{per_logout_us:.0f} {took[n // 2] * 1e3:.2f} {took[int(n * 0.99)] * 1e3:.2f}")


if __name__ == "__main__":
    main()
