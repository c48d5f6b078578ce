import { expect, test } from "@playwright/test";
import { demo } from "./fixtures/demo";
import { LoginPage } from "./fixtures/login_page";

// What the README's "ORCID-style logout: what works where" says, measured in
// Chromium with the default SameSite=Lax cookie. Hydrated project only: the
// probe page on another site runs a script.
test.describe("ORCID-style logout across sites", () => {
  test("a JSONP call from another site logs nobody out; a top-level navigation does", async ({ page, baseURL }) => {
    await page.goto("/login");
    await new LoginPage(page).signInAs(demo.user, demo.password);
    await expect(page).toHaveURL((url) => url.pathname === "/");

    // An RP page on another site embeds ORCID's forced logout as JSONP.
    const probe = "http://rp.another-site.test/probe";
    await page.route("http://rp.another-site.test/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!DOCTYPE html><title>probe</title>
          <script>window.cb = (value) => { window.answer = value; };</script>
          <script src="${baseURL}/userStatus.json?logUserOut=true&callback=cb"></script>`,
      }),
    );
    await page.goto(probe);
    const answer = await page.waitForFunction(() => (window as unknown as { answer?: unknown }).answer);
    expect(await answer.jsonValue()).toEqual({ loggedIn: false });

    // The Lax cookie was not sent, so the user is still signed in.
    const status = await page.request.get("/userStatus.json");
    expect(await status.json()).toEqual({ loggedIn: true });

    // A top-level navigation carries the cookie and logs the user out.
    await page.goto("/userStatus.json?logUserOut=true");
    const after = await page.request.get("/userStatus.json");
    expect(await after.json()).toEqual({ loggedIn: false });
  });
});
