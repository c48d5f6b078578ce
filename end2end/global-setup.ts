import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import * as jose from "jose";
import { rpBack, rpFront, rpPorts } from "./tests/fixtures/ports";

/**
 * Two relying parties' web endpoints, real servers because Chromium sends a
 * redirected navigation to the network, past page.route():
 * - rpFront (127.0.0.1:8080 unless scripts/e2e.sh picked a free port): the callback and post-logout pages of demo-rp and
 *   demo-fc-rp, and demo-fc-rp's front-channel logout URI, which records
 *   `iss` and `sid`; /frontchannel-never never answers.
 * - rpBack (127.0.0.1:8081, likewise): demo-bc-rp's pages and its back-channel logout URI, which
 *   verifies each logout token against signoff's JWKS (with jose) and records it.
 * GET /events on either returns what was recorded.
 */
const issuer = process.env.SIGNOFF_E2E_BASE_URL ?? "http://127.0.0.1:3000";

type Recorded = Record<string, unknown>;

function page(res: ServerResponse, title: string, path: string) {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!doctype html><title>${title}</title><h1>${title}</h1><p id="path">${path}</p>`);
}

function json(res: ServerResponse, body: unknown) {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

function frontchannelRp(events: Recorded[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", rpFront);
    if (url.pathname === "/frontchannel-logout") {
      events.push({ iss: url.searchParams.get("iss"), sid: url.searchParams.get("sid") });
      return page(res, "Signed out of the relying party", url.pathname);
    }
    if (url.pathname === "/frontchannel-never") return; // a client that never answers
    if (url.pathname === "/events") return json(res, events);
    page(res, "Relying party", url.pathname);
  };
}

function backchannelRp(events: Recorded[]) {
  const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks.json`));
  const logout = async (token: string): Promise<Recorded> => {
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer,
      audience: "demo-bc-rp",
      typ: "logout+jwt",
      maxTokenAge: "2 minutes",
    });
    const claimed = payload.events as Record<string, unknown> | undefined;
    if (!claimed?.["http://schemas.openid.net/event/backchannel-logout"] || "nonce" in payload) {
      throw new Error("not a logout token");
    }
    return { sid: payload.sid, sub: payload.sub, jti: payload.jti, alg: protectedHeader.alg };
  };
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", rpBack);
    if (req.method === "POST" && url.pathname === "/backchannel-logout") {
      const token = new URLSearchParams(await body(req)).get("logout_token") ?? "";
      try {
        events.push(await logout(token));
        res.writeHead(200, { "cache-control": "no-store" });
        res.end();
      } catch (error) {
        events.push({ error: String(error) });
        res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ error: "invalid_request" }));
      }
      return;
    }
    if (url.pathname === "/events") return json(res, events);
    page(res, "Back-channel relying party", url.pathname);
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
}

export default async function globalSetup() {
  const backchannel = backchannelRp([]);
  const servers = [
    createServer(frontchannelRp([])),
    createServer((req, res) => void backchannel(req, res)),
  ];
  await listen(servers[0], rpPorts.front);
  await listen(servers[1], rpPorts.back);
  return async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}
