import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";
import { readEnvFile } from "./scripts/lib/load-env";

// Tests run on the safe placeholder values of .env.example, with DATABASE_URL set per test file.
const exampleEnv = () => readEnvFile(new URL("./.env.example", import.meta.url).pathname);

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "app",
          include: ["tests/**/*.test.ts", "app/**/*.test.ts", "simulator/**/*.test.ts"],
          environment: "node",
          env: { ...exampleEnv(), MOMENTO_VIRTUAL_TIME: "1" },
          globalSetup: ["tests/setup/global-setup.ts"],
          setupFiles: ["tests/setup/per-file.ts"],
        },
      },
      {
        // The checkout extension: Preact in jsdom, driven by Shopify's extension tester.
        extends: true,
        esbuild: { jsx: "automatic", jsxImportSource: "preact" },
        test: {
          name: "extensions",
          include: ["extensions/*/tests/**/*.test.{ts,tsx}"],
          environment: "jsdom",
          server: { deps: { inline: ["@shopify/ui-extensions-tester"] } },
        },
      },
    ],
  },
});
