import { expect, test } from "@playwright/test";
import { HomePage } from "./fixtures/home_page";

test.describe("hydration", () => {
  test("makes the status card interactive without breaking the CSP", async ({ page }) => {
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (err) => problems.push(err.message));

    const home = new HomePage(page);
    await home.goto();
    await home.waitForHydration();

    // Only the running WASM can handle this click: the button has no form.
    await home.checkAgainButton.click();
    await expect(home.checkCount).toHaveText("2");
    await expect(home.schemaVersion).toHaveText(/^\d{14}$/);

    expect(problems, "console errors (a CSP violation shows here)").toEqual([]);
  });
});
