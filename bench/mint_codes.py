"""Signs in as the demo user, then prints N fresh authorization codes (one per line)."""
import http.client
import re
import sys
import urllib.parse

base, count = sys.argv[1], int(sys.argv[2])
host = urllib.parse.urlparse(base).netloc
conn = http.client.HTTPConnection(host)
cookies = {}


def request(method, path, body=None, headers=None):
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return resp, data


page = request("GET", "/login")[1].decode()
csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"username": "demo", "password": "signoff-demo", "csrf": csrf})
resp, _ = request("POST", "/api/login", form, {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
assert resp.status in (302, 303), resp.status

query = urllib.parse.urlencode({
    "client_id": "demo-rp", "redirect_uri": "http://127.0.0.1:8080/callback", "response_type": "code",
    "scope": "openid profile", "prompt": "none", "nonce": "n",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
})
for _ in range(count):
    resp, _ = request("GET", f"/authorize?{query}")
    location = resp.getheader("Location")
    print(urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0])
