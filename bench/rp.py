"""A scripted browser + RP for the benchmarks.

    rp.py BASE codes N   sign in as the demo user, print N fresh authorization codes
    rp.py BASE session   sign in, print "<cookie header>\\t<id_token>"
"""
import base64
import http.client
import os
import json
import re
import sys
import urllib.parse

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
# The demo client, unless BENCH_CLIENT_ID (and _SECRET) name another with
# the same redirect URI (bench/signing.sh registers one per algorithm).
CLIENT = (
    os.environ.get("BENCH_CLIENT_ID", "demo-rp"),
    os.environ.get("BENCH_CLIENT_SECRET", "demo-rp-secret-0123456789abcdef0123456789abcdef"),
)
CALLBACK = "http://127.0.0.1:8080/callback"


class Browser:
    def __init__(self, base):
        self.conn = http.client.HTTPConnection(urllib.parse.urlparse(base).netloc)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return resp, data

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def sign_in(self):
        page = self.request("GET", "/login")[1].decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"username": "demo", "password": "signoff-demo", "csrf": csrf})
        resp, _ = self.request("POST", "/api/login", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
        assert resp.status in (302, 303), resp.status

    def code(self):
        query = urllib.parse.urlencode({
            "client_id": CLIENT[0], "redirect_uri": CALLBACK, "response_type": "code",
            "scope": "openid profile", "prompt": "none", "nonce": "n",
            "code_challenge": CHALLENGE, "code_challenge_method": "S256",
        })
        resp, _ = self.request("GET", f"/authorize?{query}")
        location = resp.getheader("Location")
        return urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]

    def id_token(self):
        body = urllib.parse.urlencode({
            "grant_type": "authorization_code", "code": self.code(),
            "redirect_uri": CALLBACK, "code_verifier": VERIFIER})
        basic = base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
        resp, data = self.request("POST", "/token", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"})
        assert resp.status == 200, data
        return json.loads(data)["id_token"]


def main():
    base, command = sys.argv[1], sys.argv[2]
    browser = Browser(base)
    browser.sign_in()
    if command == "codes":
        for _ in range(int(sys.argv[3])):
            print(browser.code())
    elif command == "session":
        token = browser.id_token()
        print(f"{browser.cookie_header()}\t{token}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
