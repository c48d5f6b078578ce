import { expect, test } from "@playwright/test";
import { AdminConsole } from "./fixtures/admin_console";
import { demo } from "./fixtures/demo";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { rpFront } from "./fixtures/ports";
import { RelyingParty } from "./fixtures/relying_party";

test.describe("admin console", () => {
  test("a client registered in the console can log out to its URI, until the admin removes it", async ({
    page,
    browser,
    baseURL,
  }, testInfo) => {
    const hydrated = testInfo.project.use.javaScriptEnabled !== false;
    const clientId = `e2e-${testInfo.project.name}-${Date.now()}`;
    const postLogoutRedirectUri = `${rpFront}/signed-out/${clientId}`;

    const admin = new AdminConsole(page);
    const clientSecret = await admin.createClient({
      clientId,
      name: "Console-made RP",
      redirectUri: demo.redirectUri,
      postLogoutRedirectUri,
    });

    // The end-user has a browser of their own.
    const userContext = await browser.newContext({ javaScriptEnabled: hydrated });
    const user = await userContext.newPage();
    const rp = await RelyingParty.discover(baseURL!, { clientId, clientSecret, postLogoutRedirectUri });
    const idToken = await rp.signIn(user, demo.user, demo.password);
    const logout = rp.endSessionUrl(idToken, "console-state");

    await user.goto(logout.href);
    const dialog = new LogoutDialog(user);
    await expect(dialog.clientName).toHaveText("Console-made RP");
    const back = user.waitForRequest((r) => r.url().startsWith(postLogoutRedirectUri));
    await dialog.yes.click();
    expect(new URL((await back).url()).searchParams.get("state")).toBe("console-state");
    await user.waitForURL((url) => url.href.startsWith(postLogoutRedirectUri));

    await admin.removeFirstPostLogoutUri(clientId, hydrated);

    const response = await user.goto(logout.href);
    expect(response?.status()).toBe(400);
    await expect(user.getByRole("alert")).toContainText("has not registered");
    expect(new URL(user.url()).origin).toBe(new URL(baseURL!).origin);
    await userContext.close();
  });

  test("a field-level error keeps what the admin typed", async ({ page }) => {
    const admin = new AdminConsole(page);
    await admin.open("/admin/clients/new");
    await page.getByLabel("Name (shown to users)").fill("Typo corp");
    await page.getByLabel("New redirect URI").first().fill("https://typo.example.com/cb");
    await page.getByLabel("New post-logout redirect URI").first().fill("http://typo.example.com/bye");
    await page.getByRole("button", { name: "Create client" }).click();

    await expect(page.getByRole("alert")).toContainText("The client was not saved");
    const field = page.getByLabel("Post-logout redirect URI 1", { exact: true });
    await expect(field).toHaveValue("http://typo.example.com/bye");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("must use https, or http only on a loopback host")).toBeVisible();
    await expect(page.getByLabel("Name (shown to users)")).toHaveValue("Typo corp");
  });

  test("a signed-in user who is not an admin is refused", async ({ page }) => {
    await page.goto("/login?next=/admin/users");
    const { LoginPage } = await import("./fixtures/login_page");
    await new LoginPage(page).signInAs(demo.user, demo.password);
    const response = await page.goto("/admin/users");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "Access denied" })).toBeVisible();
  });
});
