import { expect, test } from "@playwright/test";
import { LoginPage } from "./fixtures/login_page";
import { waitForHydration } from "./fixtures/hydration";

test.describe("the login page, hydrated", () => {
  test("lets the user reveal the password they typed", async ({ page }) => {
    await page.goto("/login");
    await waitForHydration(page);
    const login = new LoginPage(page);
    await login.password.fill("s3cret-words");
    await expect(login.password).toHaveAttribute("type", "password");

    await page.getByRole("button", { name: "Show" }).click();

    await expect(login.password).toHaveAttribute("type", "text");
    await expect(page.getByRole("button", { name: "Hide" })).toHaveAttribute("aria-pressed", "true");
  });
});
