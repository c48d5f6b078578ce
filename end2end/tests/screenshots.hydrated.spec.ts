import { expect, test } from "@playwright/test";
import { copyFileSync, mkdirSync } from "node:fs";
import { waitForHydration } from "./fixtures/hydration";
import { join } from "node:path";
import { AdminConsole } from "./fixtures/admin_console";
import { demo } from "./fixtures/demo";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { demoChannelRps } from "./fixtures/relying_party";

/**
 * The README's screenshots of the console. Every run checks the pages and
 * keeps the pictures with the test results; with SIGNOFF_SCREENSHOTS_DIR set
 * (`make screenshots`) they are also written there.
 */
test("screenshots of the client list and the client edit page", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const admin = new AdminConsole(page);
  const shots: [string, string, string][] = [
    ["/admin/clients?search=demo", "admin-clients.png", "Clients"],
    ["/admin/clients/demo-rp", "admin-client-edit.png", "Client Demo relying party"],
  ];
  for (const [path, file, heading] of shots) {
    await admin.open(path);
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
    await waitForHydration(page);
    await keep(page, file, testInfo);
  }
});

/** Writes a screenshot to the test results and, with SIGNOFF_SCREENSHOTS_DIR, to the README's folder. */
async function keep(page: import("@playwright/test").Page, file: string, testInfo: import("@playwright/test").TestInfo) {
  const out = testInfo.outputPath(file);
  await page.screenshot({ path: out, fullPage: true });
  const dir = process.env.SIGNOFF_SCREENSHOTS_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(out, join(dir, file));
  }
}

test("screenshots of the overview and of the interactive dialog signing out of two apps", async ({
  page,
  browser,
  baseURL,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const admin = new AdminConsole(page);
  await admin.open("/admin");
  await expect(page.getByRole("heading", { name: "Overview", exact: true })).toBeVisible();
  await expect(page.getByRole("img", { name: /last 24 hours/ })).toBeVisible();
  await keep(page, "admin-overview.png", testInfo);

  const user = await (await browser.newContext({ viewport: { width: 900, height: 700 } })).newPage();
  const { front, back } = await demoChannelRps(baseURL!);
  const idToken = await front.signIn(user, demo.user, demo.password);
  await back.signIn(user, demo.user, demo.password);
  await user.goto(front.endSessionUrl(idToken, "screenshot").href);
  await waitForHydration(user);
  const dialog = new LogoutDialog(user);
  await dialog.yes.click();
  await expect(dialog.app("Front-channel demo RP")).toContainText("sign-out sent");
  await expect(dialog.app("Back-channel demo RP")).toContainText("signed out");
  await keep(user, "logout-dialog-live.png", testInfo);
});
