import { createServer } from "node:http";

/**
 * The relying party's web endpoints (callback, post-logout page) on
 * 127.0.0.1:8080, the host the demo client registered. A real server, because
 * Chromium sends a redirected navigation to the network, past page.route().
 */
export default async function globalSetup() {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1:8080");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(`<!doctype html><title>Relying party</title><h1>Relying party</h1><p id="path">${url.pathname}</p>`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(8080, "127.0.0.1", resolve);
  });
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
