import { expect, test } from "@playwright/test";
import { demo } from "./fixtures/demo";
import { waitForHydration } from "./fixtures/hydration";
import { LogoutDialog } from "./fixtures/logout_dialog";
import { demoChannelRps } from "./fixtures/relying_party";
import { expectLogoutRecorded } from "./fixtures/rp_events";

test.describe("front- and back-channel logout", () => {
  test("a logout from one RP reaches both RPs of the session, and the user ends at the post-logout URI", async ({
    page,
    baseURL,
  }, testInfo) => {
    const hydrated = testInfo.project.use.javaScriptEnabled !== false;
    const { front, back } = await demoChannelRps(baseURL!);
    const frontToken = await front.signIn(page, demo.user, demo.password);
    const backToken = await back.signIn(page, demo.user, demo.password);
    const sid = (JSON.parse(Buffer.from(frontToken.split(".")[1], "base64url").toString()) as { sid: string }).sid;
    const backSid = (JSON.parse(Buffer.from(backToken.split(".")[1], "base64url").toString()) as { sid: string }).sid;
    expect(backSid).toBe(sid);

    await page.goto(front.endSessionUrl(frontToken, "two-rps").href);
    const arrived = page.waitForRequest((r) => r.url().startsWith(demo.postLogoutRedirectUri), { timeout: 15_000 });
    const dialog = new LogoutDialog(page);
    if (hydrated) await waitForHydration(page);
    await dialog.yes.click();
    if (hydrated) {
      // The interactive dialog stays and shows each app finishing.
      await expect(dialog.app("Front-channel demo RP")).toContainText("sign-out sent");
      await expect(dialog.app("Back-channel demo RP")).toContainText("signed out");
      await expect(page.getByRole("status")).toContainText("Signing you out");
    } else {
      await expect(page.getByRole("heading", { name: "Signing you out of your applications" })).toBeVisible();
      // Without JavaScript the iframes load from <noscript>; the user continues.
      await expectLogoutRecorded("front", sid);
      await page.getByRole("link", { name: "Continue" }).click();
    }
    expect(new URL((await arrived).url()).searchParams.get("state")).toBe("two-rps");

    const frontEvent = await expectLogoutRecorded("front", sid);
    expect(frontEvent.iss).toBe(baseURL);
    // demo-bc-rp signs with ES256: openid-client checked its ID token with
    // the ES256 key of /jwks.json, and the RP checks its logout token so too.
    expect(JSON.parse(Buffer.from(backToken.split(".")[0], "base64url").toString()).alg).toBe("ES256");
    const backEvent = await expectLogoutRecorded("back", sid);
    expect(backEvent.alg).toBe("ES256");
  });
});
