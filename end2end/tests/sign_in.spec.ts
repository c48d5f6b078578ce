import { expect, test } from "@playwright/test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { demo } from "./fixtures/demo";
import { LoginPage } from "./fixtures/login_page";
import { RelyingParty } from "./fixtures/relying_party";

test.describe("signing in to a relying party", () => {
  test("an openid-client RP gets a verified ID token with a sid", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);

    await page.goto((await rp.authorizationUrl()).href);
    const login = new LoginPage(page);
    await login.expectShown();
    const callback = page.waitForRequest((r) => rp.isCallback(r));
    await login.signInAs(demo.user, demo.password);
    const callbackUrl = (await callback).url();
    await expect(page.getByRole("heading", { name: "Relying party" })).toBeVisible();

    const tokens = await rp.redeem(callbackUrl);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(rp.config.serverMetadata().issuer);
    expect(claims.aud).toBe(demo.clientId);
    expect(claims.nonce).toBe(rp.nonce);
    expect(typeof claims.sid).toBe("string");
    expect((claims.sid as string).length).toBeGreaterThanOrEqual(22);

    // openid-client trusts the TLS-protected token response; check the signature too.
    const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, {
      issuer: claims.iss,
      audience: demo.clientId,
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sid).toBe(claims.sid);

    const userinfo = await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
    expect(userinfo.preferred_username).toBe(demo.user);
  });

  test("a wrong password keeps the user on the login page with an error", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);

    await page.goto((await rp.authorizationUrl()).href);
    const login = new LoginPage(page);
    await login.signInAs(demo.user, "not-the-password");

    await expect(login.error).toHaveText("The username or password is incorrect.");
    const callback = page.waitForRequest((r) => rp.isCallback(r));
    await login.signInAs(demo.user, demo.password);
    await callback;
    await expect(page.getByRole("heading", { name: "Relying party" })).toBeVisible();
  });

  test("a signed-in user gets a code for prompt=none without seeing a page", async ({ page, baseURL }) => {
    const rp = await RelyingParty.discover(baseURL!);
    await page.goto((await rp.authorizationUrl()).href);
    const first = page.waitForRequest((r) => rp.isCallback(r));
    await new LoginPage(page).signInAs(demo.user, demo.password);
    await first;
    await expect(page.getByRole("heading", { name: "Relying party" })).toBeVisible();

    const again = await RelyingParty.discover(baseURL!);
    const second = page.waitForRequest((r) => again.isCallback(r));
    await page.goto((await again.authorizationUrl({ prompt: "none" })).href);
    await expect(page.getByRole("heading", { name: "Relying party" })).toBeVisible();
    const tokens = await again.redeem((await second).url());
    expect(tokens.claims()!.sid).toBeTruthy();
  });
});
