import { expect, test } from "@playwright/test";
import { demo } from "./fixtures/demo";
import { LoginPage } from "./fixtures/login_page";
import { rpFrontOtherSite } from "./fixtures/ports";

// What the README's "ORCID-style logout: what works where" says, measured in
// Chromium with the default SameSite=Lax cookie. Hydrated project only: the
// RP page on another site runs a script.
test.describe("ORCID-style logout across sites", () => {
  test("a JSONP call from another site logs nobody out; a top-level navigation does", async ({ page, baseURL }) => {
    await page.goto("/login");
    await new LoginPage(page).signInAs(demo.user, demo.password);
    await expect(page).toHaveURL((url) => url.pathname === "/");

    // A page of the RP, addressed as `localhost`: another site than
    // signoff's 127.0.0.1 (a site ignores the port, so 127.0.0.1:<port> would
    // be the same site). It embeds ORCID's forced logout as JSONP.
    await page.goto(`${rpFrontOtherSite}/orcid-probe`);
    const answer = await page.evaluate(
      (src) =>
        new Promise((resolve, reject) => {
          (window as unknown as { cb: (v: unknown) => void }).cb = resolve;
          const script = document.createElement("script");
          script.src = src;
          script.onerror = () => reject(new Error("the JSONP script did not load"));
          document.head.appendChild(script);
        }),
      `${baseURL}/userStatus.json?logUserOut=true&callback=cb`,
    );
    expect(answer).toEqual({ loggedIn: false });

    // The Lax cookie was not sent, so the user is still signed in.
    const status = await page.request.get("/userStatus.json");
    expect(await status.json()).toEqual({ loggedIn: true });

    // A top-level navigation carries the cookie and logs the user out.
    await page.goto("/userStatus.json?logUserOut=true");
    const after = await page.request.get("/userStatus.json");
    expect(await after.json()).toEqual({ loggedIn: false });
  });
});
