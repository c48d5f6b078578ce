"""Back-channel logout fan-out: one OP session with N clients, every tenth a
black hole (accepts the connection, never answers). Ends the session with
GET /signout and reports the user's redirect latency, the time until every
healthy client had its logout token, and the delivery rows afterwards.

    backchannel.py BASE DB_PATH [N]
"""
import http.server
import socketserver
import sqlite3
import sys
import threading
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from rp import Browser  # noqa: E402

PORT = 9100
arrivals = {}
lock = threading.Lock()
t0 = None


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if self.path.startswith("/hole/"):
            time.sleep(120)  # a black hole: never answers
            return
        with lock:
            if b"logout_token=" in body and self.path not in arrivals:
                arrivals[self.path] = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    global t0
    base, db_path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    server = Server(("127.0.0.1", PORT), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    browser = Browser(base)
    browser.sign_in()
    db = sqlite3.connect(db_path, timeout=10)
    now = int(time.time())
    sid = db.execute("SELECT sid FROM op_sessions WHERE ended_at IS NULL").fetchone()[0]
    holes = set(range(0, n, 10))
    for i in range(n):
        kind = "hole" if i in holes else "ok"
        client_id = f"bench-{i:03}"
        db.execute(
            "INSERT INTO clients (client_id, name, secret_hash, token_endpoint_auth_method, "
            "redirect_uris, backchannel_logout_uri, created_at) VALUES (?, ?, NULL, 'none', ?, ?, ?)",
            (client_id, client_id, '["http://127.0.0.1:9100/cb"]', f"http://127.0.0.1:{PORT}/{kind}/{i}", now),
        )
        db.execute(
            "INSERT INTO rp_sessions (sid, client_id, first_login_at, last_login_at) VALUES (?, ?, ?, ?)",
            (sid, client_id, now, now),
        )
    db.commit()
    healthy = n - len(holes)

    t0 = time.monotonic()
    resp, _ = browser.request("GET", "/signout")
    redirect = time.monotonic() - t0
    assert resp.status == 302, resp.status

    deadline = time.monotonic() + 30
    while len(arrivals) < healthy and time.monotonic() < deadline:
        time.sleep(0.01)
    times = sorted(t - t0 for t in arrivals.values())
    delivered_at_redirect = sum(1 for t in times if t <= redirect)
    time.sleep(6)  # past the 5 s attempt timeout of the black holes
    rows = dict(db.execute("SELECT status, COUNT(*) FROM backchannel_deliveries GROUP BY status").fetchall())
    errors = db.execute(
        "SELECT last_error, COUNT(*) FROM backchannel_deliveries WHERE status != 'delivered' GROUP BY last_error"
    ).fetchall()

    print(f"bench: {n} back-channel clients in one session, {len(holes)} black holes")
    print(f"bench: user's redirect (GET /signout answered) after {redirect * 1000:.0f} ms")
    print(f"bench: healthy clients with their token: {len(times)}/{healthy}; "
          f"all of them {times[-1] * 1000:.0f} ms after the request "
          f"(median {times[len(times) // 2] * 1000:.0f} ms); {delivered_at_redirect} before the redirect")
    print(f"bench: delivery rows 6 s later: {rows}; not delivered: {errors}")


if __name__ == "__main__":
    main()
