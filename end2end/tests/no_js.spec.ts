import { expect, test } from "@playwright/test";
import { HomePage } from "./fixtures/home_page";

test.describe("without JavaScript", () => {
  test("the button that needs the WASM does nothing, and the page stays whole", async ({
    page,
    javaScriptEnabled,
  }) => {
    test.skip(javaScriptEnabled, "this spec is about the page without JavaScript");
    const home = new HomePage(page);
    await home.goto();

    await home.checkAgainButton.click();
    await expect(home.checkCount).toHaveText("1");
    await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
    await expect(home.schemaVersion).toHaveText(/^\d{14}$/);
  });
});

test.describe("the login page without JavaScript", () => {
  test("has no Show button that could not work", async ({ page, javaScriptEnabled }) => {
    test.skip(javaScriptEnabled, "this spec is about the page without JavaScript");
    await page.goto("/login");
    await expect(page.getByRole("button", { name: "Show" })).toBeHidden();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  });
});
