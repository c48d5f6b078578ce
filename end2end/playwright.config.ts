import { defineConfig, devices } from "@playwright/test";

// `cargo leptos end-to-end` starts signoff on site-addr before running us.
const baseURL = process.env.SIGNOFF_E2E_BASE_URL ?? "http://127.0.0.1:3000";

// Debian's chromium (installed by scripts/setup.sh); Playwright's own browser
// download is not available on our machines.
const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    // The WASM runs and hydrates the server-rendered page.
    { name: "hydrated", use: { ...chromium } },
    // Every page must also work as plain HTML with forms; specs that are about
    // hydration itself are named *.hydrated.spec.ts and skipped here.
    {
      name: "no-js",
      use: { ...chromium, javaScriptEnabled: false },
      testIgnore: /.*\.hydrated\.spec\.ts/,
    },
  ],
});
