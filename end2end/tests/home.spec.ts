import { expect, test } from "@playwright/test";
import { HomePage } from "./fixtures/home_page";

test.describe("the home page", () => {
  test("shows what signoff is and the server status", async ({ page }) => {
    const home = new HomePage(page);
    await home.goto();

    await expect(page).toHaveTitle("signoff");
    await expect(home.heading).toBeVisible();
    await expect(home.schemaVersion).toHaveText(/^\d{14}$/);
    await expect(home.checkCount).toHaveText("1");
  });

  test("is served with headers that forbid framing and sniffing", async ({ page }) => {
    const response = await new HomePage(page).goto();
    const headers = response.headers();

    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
  });
});

test.describe("an unknown address", () => {
  test("gets a 404 page that leads back home", async ({ page }) => {
    const response = await page.goto("/no/such/page");

    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await page.getByRole("link", { name: "Go to the home page" }).click();
    await expect(new HomePage(page).heading).toBeVisible();
  });
});
