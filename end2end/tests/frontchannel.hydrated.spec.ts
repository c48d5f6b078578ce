import { expect, test } from "@playwright/test";
import { AdminConsole } from "./fixtures/admin_console";
import { demo } from "./fixtures/demo";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { rpFront } from "./fixtures/ports";
import { RelyingParty } from "./fixtures/relying_party";

test("a front-channel client that never answers is named, and the user still arrives", async ({
  page,
  browser,
  baseURL,
}) => {
  const clientId = `e2e-black-hole-${Date.now()}`;
  const postLogoutRedirectUri = `${rpFront}/signed-out/${clientId}`;
  const admin = new AdminConsole(page);
  const clientSecret = await admin.createClient({
    clientId,
    name: "Black hole RP",
    redirectUri: demo.redirectUri,
    postLogoutRedirectUri,
    frontchannelLogoutUri: `${rpFront}/frontchannel-never`,
  });

  const user = await (await browser.newContext()).newPage();
  const rp = await RelyingParty.discover(baseURL!, { clientId, clientSecret, postLogoutRedirectUri });
  const idToken = await rp.signIn(user, demo.user, demo.password);
  await user.goto(rp.endSessionUrl(idToken, "patient").href);
  const arrived = user.waitForRequest((r) => r.url().startsWith(postLogoutRedirectUri), { timeout: 15_000 });
  const started = Date.now();
  await new LogoutDialog(user).yes.click();

  const notice = user.getByRole("alert");
  await expect(notice).toContainText("We could not confirm sign-out from:", { timeout: 8_000 });
  await expect(notice).toContainText("Black hole RP");
  expect(new URL((await arrived).url()).searchParams.get("state")).toBe("patient");
  // The page waits 5 s for the iframes and shows the notice 3 s more.
  expect(Date.now() - started).toBeLessThan(12_000);
});
