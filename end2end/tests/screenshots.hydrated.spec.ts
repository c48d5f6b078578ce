import { expect, test } from "@playwright/test";
import { copyFileSync, mkdirSync } from "node:fs";
import { waitForHydration } from "./fixtures/hydration";
import { join } from "node:path";
import { AdminConsole } from "./fixtures/admin_console";

/**
 * The README's screenshots of the console. Every run checks the pages and
 * keeps the pictures with the test results; with SIGNOFF_SCREENSHOTS_DIR set
 * (`make screenshots`) they are also written there.
 */
test("screenshots of the client list and the client edit page", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const admin = new AdminConsole(page);
  const shots: [string, string, string][] = [
    ["/admin/clients?search=demo", "admin-clients.png", "Clients"],
    ["/admin/clients/demo-rp", "admin-client-edit.png", "Client Demo relying party"],
  ];
  for (const [path, file, heading] of shots) {
    await admin.open(path);
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
    await waitForHydration(page);
    const out = testInfo.outputPath(file);
    await page.screenshot({ path: out, fullPage: true });
    const dir = process.env.SIGNOFF_SCREENSHOTS_DIR;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      copyFileSync(out, join(dir, file));
    }
  }
});
