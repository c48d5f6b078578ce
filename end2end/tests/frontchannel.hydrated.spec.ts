import { createServer } from "node:net";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { AdminConsole } from "./fixtures/admin_console";
import { demo } from "./fixtures/demo";
import { waitForHydration } from "./fixtures/hydration";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { rpFront } from "./fixtures/ports";
import { RelyingParty } from "./fixtures/relying_party";

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A client whose front-channel logout URI is `frontchannelLogoutUri`, and a user signed in to it. */
async function signedInTo(
  page: Page,
  browser: Browser,
  baseURL: string,
  name: string,
  frontchannelLogoutUri: string,
  extraRedirectUri?: string,
) {
  const clientId = `e2e-${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}`;
  const postLogoutRedirectUri = `${rpFront}/signed-out/${clientId}`;
  const clientSecret = await new AdminConsole(page).createClient({
    clientId,
    name,
    redirectUri: demo.redirectUri,
    postLogoutRedirectUri,
    frontchannelLogoutUri,
    extraRedirectUri,
  });
  const user = await (await browser.newContext()).newPage();
  const rp = await RelyingParty.discover(baseURL, { clientId, clientSecret, postLogoutRedirectUri });
  const idToken = await rp.signIn(user, demo.user, demo.password);
  return { user, rp, idToken, postLogoutRedirectUri };
}

test("the dialog says 'no answer' for a front-channel app that never answers, and the user still arrives", async ({
  page,
  browser,
  baseURL,
}) => {
  const { user, rp, idToken, postLogoutRedirectUri } = await signedInTo(
    page,
    browser,
    baseURL!,
    "Black hole RP",
    `${rpFront}/frontchannel-never`,
  );
  await user.goto(rp.endSessionUrl(idToken, "patient").href);
  await waitForHydration(user);
  const arrived = user.waitForRequest((r) => r.url().startsWith(postLogoutRedirectUri), { timeout: 15_000 });
  const started = Date.now();
  const dialog = new LogoutDialog(user);
  await dialog.yes.click();

  await expect(dialog.app("Black hole RP")).toContainText("sending sign-out");
  await expect(dialog.app("Black hole RP")).toContainText("no answer", { timeout: 8_000 });
  expect(new URL((await arrived).url()).searchParams.get("state")).toBe("patient");
  // The bound is 5 s; the list then stays 3 s.
  expect(Date.now() - started).toBeLessThan(12_000);
});

test("the dialog says 'could not reach' for a front-channel app whose server is down, and the user still arrives", async ({
  page,
  browser,
  baseURL,
}) => {
  const down = `http://127.0.0.1:${await closedPort()}`;
  const { user, rp, idToken, postLogoutRedirectUri } = await signedInTo(
    page,
    browser,
    baseURL!,
    "Down RP",
    `${down}/frontchannel-logout`,
    `${down}/callback`,
  );
  await user.goto(rp.endSessionUrl(idToken, "down").href);
  await waitForHydration(user);
  const arrived = user.waitForRequest((r) => r.url().startsWith(postLogoutRedirectUri), { timeout: 15_000 });
  const dialog = new LogoutDialog(user);
  await dialog.yes.click();

  // A refused connection fires the frame's load too; only the probe tells.
  await expect(dialog.app("Down RP")).toContainText("could not reach", { timeout: 8_000 });
  expect(new URL((await arrived).url()).searchParams.get("state")).toBe("down");
});

test("the front-channel page applies the same rule: a forced logout names the app that never answered", async ({
  page,
  browser,
  baseURL,
}) => {
  const { user } = await signedInTo(page, browser, baseURL!, "Silent RP", `${rpFront}/frontchannel-never`);
  const started = Date.now();
  await user.goto("/signout");
  await expect(user.getByRole("heading", { name: "Signing you out of your applications" })).toBeVisible();
  const notice = user.getByRole("alert");
  await expect(notice).toContainText("We could not confirm sign-out from:", { timeout: 8_000 });
  await expect(notice).toContainText("Silent RP: no answer");
  await expect(user).toHaveURL((url) => url.pathname === "/login", { timeout: 8_000 });
  expect(Date.now() - started).toBeLessThan(12_000);

  // The page reported it: the console's overview counts it for that app.
  await new AdminConsole(page).open("/admin");
  const row = page.locator(".frontchannel-outcomes tbody tr").filter({ hasText: "Silent RP" });
  await expect(row.locator("td").nth(2)).toHaveText("1");
});
