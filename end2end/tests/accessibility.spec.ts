import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { AdminConsole } from "./fixtures/admin_console";
import { demo } from "./fixtures/demo";
import { waitForHydration } from "./fixtures/hydration";
import { LoginPage } from "./fixtures/login_page";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { rpFront } from "./fixtures/ports";
import { RelyingParty } from "./fixtures/relying_party";

/**
 * Every page, checked by axe-core against WCAG 2.1 A and AA, hydrated and
 * with JavaScript off: none may have a violation. A regression test as much
 * as a check of the new pages.
 */
async function expectAccessible(page: Page, what: string) {
  const hydrated = (await page.locator("html[data-hydrated]").count()) > 0;
  const scriptsRun = test.info().project.use.javaScriptEnabled !== false;
  const violations = scriptsRun ? await analyze(page) : await analyzeWithoutHydration(page);
  const found = violations.map((v) => ({
    rule: v.id,
    help: v.help,
    where: v.nodes.map((n) => n.target.join(" ")),
  }));
  expect(found, `${what}${hydrated ? " (hydrated)" : ""}`).toEqual([]);
}

// Each check runs axe over a whole page, and without JavaScript opens the
// page again in a context of its own: slow on a busy machine, and nothing
// here measures speed.
test.describe.configure({ timeout: 120_000 });

async function analyze(page: Page) {
  const { violations } = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return violations;
}

/**
 * axe runs as a script in the page, which a context with JavaScript off
 * cannot do. So the same URL, with the same cookies, is opened where scripts
 * may run but the hydration bundle is refused: the page stays exactly what
 * the server rendered, as without JavaScript.
 */
async function analyzeWithoutHydration(page: Page) {
  const context = await page.context().browser()!.newContext({
    storageState: await page.context().storageState(),
    javaScriptEnabled: true,
  });
  try {
    const copy = await context.newPage();
    await copy.route(/\/pkg\/[^?]*\.(js|wasm)(\?.*)?$/, (route) => route.abort());
    await copy.goto(page.url());
    expect(await copy.locator("html[data-hydrated]").count()).toBe(0);
    return await analyze(copy);
  } finally {
    await context.close();
  }
}

async function visit(page: Page, path: string, hydrated: boolean) {
  await page.goto(path);
  if (hydrated) await waitForHydration(page);
  await expectAccessible(page, path);
}

test("the public pages, the sign-in page, /account and the logout pages", async ({ page, baseURL }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  await visit(page, "/", hydrated);
  await visit(page, "/login", hydrated);
  await visit(page, "/logout/done?outcome=signed_out", hydrated);
  // Signed out, /logout is the signed-out page.
  await page.goto("/logout");
  await expectAccessible(page, "/logout signed out");

  const rp = await RelyingParty.discover(baseURL!, {
    clientId: demo.clientId,
    clientSecret: demo.clientSecret,
    postLogoutRedirectUri: demo.postLogoutRedirectUri,
  });
  const idToken = await rp.signIn(page, demo.user, demo.password);
  await visit(page, "/account", hydrated);
  await page.goto(rp.endSessionUrl(idToken, "a11y").href);
  if (hydrated) await waitForHydration(page);
  await new LogoutDialog(page).expectShown();
  await expectAccessible(page, "the logout dialog");
});

test("the login page showing an error", async ({ page }) => {
  await page.goto("/login");
  await new LoginPage(page).signInAs(demo.user, "not-the-password");
  await expect(page.getByRole("alert")).toBeVisible();
  await expectAccessible(page, "/login with an error");
});

test("every console page, the overview's charts included", async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const admin = new AdminConsole(page);
  await admin.open("/admin");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  for (const path of [
    "/admin",
    "/admin/clients",
    "/admin/clients/new",
    `/admin/clients/${demo.clientId}`,
    `/admin/clients/${demo.clientId}/delete`,
    "/admin/sessions",
    "/admin/users",
    "/admin/audit",
    "/admin/audit?action=login.&from=2026-01-01",
    "/admin/deliveries",
  ]) {
    await visit(page, path, hydrated);
  }
  // The charts' tables, opened.
  await page.goto("/admin");
  await page.getByText("The figures as a table").first().click();
  await expectAccessible(page, "the overview with a table open");
});

test("the interactive dialog's live list", async ({ page, browser, baseURL }, testInfo) => {
  test.skip(testInfo.project.use.javaScriptEnabled === false, "the live list needs JavaScript");
  const clientId = `e2e-a11y-${Date.now()}`;
  const postLogoutRedirectUri = `${rpFront}/signed-out/${clientId}`;
  const clientSecret = await new AdminConsole(page).createClient({
    clientId,
    name: "Slow RP",
    redirectUri: demo.redirectUri,
    postLogoutRedirectUri,
    // Never answers, so the list stays up for the check.
    frontchannelLogoutUri: `${rpFront}/frontchannel-never`,
  });
  const user = await (await browser.newContext()).newPage();
  const rp = await RelyingParty.discover(baseURL!, { clientId, clientSecret, postLogoutRedirectUri });
  const idToken = await rp.signIn(user, demo.user, demo.password);
  await user.goto(rp.endSessionUrl(idToken, "a11y-live").href);
  await waitForHydration(user);
  const dialog = new LogoutDialog(user);
  await dialog.yes.click();
  await expect(dialog.app("Slow RP")).toContainText("sending sign-out");
  await expectAccessible(user, "the live list");
});
