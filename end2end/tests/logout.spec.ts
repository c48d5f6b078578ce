import { expect, test } from "@playwright/test";
import { demo } from "./fixtures/demo";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { rpFront } from "./fixtures/ports";
import { RelyingParty } from "./fixtures/relying_party";

// The OIDF end-session state: 90 printable characters, & = # % ? / " < > included.
const STATE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX0123456789!"#$%&\'()*,-./:<=>?@[\\]^_`{|}~';

test.describe("RP-initiated logout", () => {
  test("Yes signs out of signoff and returns to the RP with the same state", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);
    const idToken = await rp.signIn(page, demo.user, demo.password);

    await page.goto(rp.endSessionUrl(idToken, STATE).href);
    const dialog = new LogoutDialog(page);
    await dialog.expectShown();
    await expect(dialog.clientName).toHaveText("Demo relying party");
    await expect(dialog.username).toHaveText(demo.user);
    const back = page.waitForRequest((r) => r.url().startsWith(demo.postLogoutRedirectUri));
    await dialog.yes.click();

    const arrived = new URL((await back).url());
    expect(arrived.searchParams.get("state")).toBe(STATE);
    // Hydrated, the dialog shows its list first, then goes on by itself.
    await page.waitForURL((url) => url.href.startsWith(demo.postLogoutRedirectUri));
    const silent = await rp.silentAuthorization(page);
    expect(silent.searchParams.get("error")).toBe("login_required");
  });

  test("No keeps the signoff session and still returns to the RP", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);
    const idToken = await rp.signIn(page, demo.user, demo.password);

    await page.goto(rp.endSessionUrl(idToken, "keep-me").href);
    const back = page.waitForRequest((r) => r.url().startsWith(demo.postLogoutRedirectUri));
    await new LogoutDialog(page).no.click();

    expect(new URL((await back).url()).searchParams.get("state")).toBe("keep-me");
    const silent = await rp.silentAuthorization(page);
    expect(silent.searchParams.get("code")).toBeTruthy();
  });

  test("ui_locales=de shows the dialog in German", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);
    const idToken = await rp.signIn(page, demo.user, demo.password);

    await page.goto(rp.endSessionUrl(idToken, "s", { ui_locales: "de" }).href);

    await expect(page.getByRole("heading", { name: "Abmelden" })).toBeVisible();
    await expect(page.getByText("Möchten Sie sich auch bei signoff abmelden?")).toBeVisible();
    await expect(page.getByRole("button", { name: "Ja, bei signoff abmelden" })).toBeVisible();
  });

  test("an unregistered post-logout URI is refused and the user can still sign out", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);
    const idToken = await rp.signIn(page, demo.user, demo.password);
    const url = rp.endSessionUrl(idToken, "s");
    url.searchParams.set("post_logout_redirect_uri", `${rpFront}/bad_post_logout_redirect_uri`);

    const response = await page.goto(url.href);
    expect(response?.status()).toBe(400);
    await expect(page.getByRole("alert")).toContainText("has not registered");
    await new LogoutDialog(page).yes.click();

    await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  });
});
