import { expect, test } from "@playwright/test";
import * as oidc from "openid-client";
import { AdminConsole } from "./fixtures/admin_console";
import { demo } from "./fixtures/demo";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { RelyingParty, demoChannelRps } from "./fixtures/relying_party";
import { expectLogoutRecorded } from "./fixtures/rp_events";

function sidOf(idToken: string): string {
  return (JSON.parse(Buffer.from(idToken.split(".")[1], "base64url").toString()) as { sid: string }).sid;
}

test.describe("tokens end with the session", () => {
  test("a refreshed token stops working when the user logs out: the refresh fails with invalid_grant and introspection says inactive", async ({
    page,
    baseURL,
  }) => {
    const rp = await RelyingParty.discover(baseURL!);
    const tokens = await rp.signInForTokens(page, demo.user, demo.password);
    expect(tokens.refresh_token).toBeTruthy();

    // openid-client refreshes, and checks the new ID token (same sub, iss, aud).
    const refreshed = await rp.refresh(tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.sid).toBe(sidOf(tokens.id_token!));
    expect((await rp.introspect(refreshed.access_token)).active).toBe(true);

    await page.goto(rp.endSessionUrl(tokens.id_token!, "after-refresh").href);
    const arrived = page.waitForRequest((r) => r.url().startsWith(demo.postLogoutRedirectUri));
    await new LogoutDialog(page).yes.click();
    expect(new URL((await arrived).url()).searchParams.get("state")).toBe("after-refresh");

    const refusal = await rp.refresh(refreshed.refresh_token!).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(oidc.ResponseBodyError);
    expect((refusal as oidc.ResponseBodyError).error).toBe("invalid_grant");
    expect((await rp.introspect(refreshed.access_token)).active).toBe(false);
    expect((await rp.introspect(refreshed.refresh_token!)).active).toBe(false);
  });

  test("sign out everywhere from /account logs out both browsers, and the app hears of both sessions", async ({
    browser,
    baseURL,
  }, testInfo) => {
    const javaScriptEnabled = testInfo.project.use.javaScriptEnabled !== false;
    const { back } = await demoChannelRps(baseURL!);
    // A user of its own: signing the demo user out everywhere would end the
    // sessions of the tests running beside this one.
    const user = `everywhere-${testInfo.project.name}-${Date.now()}`;
    const password = "a long passphrase for everywhere";
    const admin = await browser.newContext({ baseURL, javaScriptEnabled });
    await new AdminConsole(await admin.newPage()).createUser(user, password);
    await admin.close();
    const laptop = await browser.newContext({ baseURL, javaScriptEnabled });
    const phone = await browser.newContext({ baseURL, javaScriptEnabled });
    const laptopPage = await laptop.newPage();
    const phonePage = await phone.newPage();
    const laptopSid = sidOf(await back.signIn(laptopPage, user, password));
    const phoneSid = sidOf(await back.signIn(phonePage, user, password));
    expect(laptopSid).not.toBe(phoneSid);

    await laptopPage.goto("/account");
    await expect(laptopPage.getByRole("heading", { name: "Your sessions" })).toBeVisible();
    await expect(laptopPage.locator("tbody tr")).toHaveCount(2);
    await expect(laptopPage.locator("tr[data-this-device]")).toHaveCount(1);
    await expect(laptopPage.getByRole("cell", { name: "Back-channel demo RP" })).toHaveCount(2);

    await laptopPage.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(laptopPage).toHaveURL(/\/account\?result=/);
    const result = laptopPage.getByTestId("sign-out-result");
    await expect(result).toContainText("Back-channel demo RP");
    await expect(laptopPage.getByText("You are not signed in.")).toBeVisible();

    for (const page of [laptopPage, phonePage]) {
      const status = await page.request.get("/userStatus.json");
      expect(await status.json()).toEqual({ loggedIn: false });
    }
    await expectLogoutRecorded("back", laptopSid);
    await expectLogoutRecorded("back", phoneSid);
    await laptop.close();
    await phone.close();
  });
});
