import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";
import { readFileSync } from "node:fs";

// Tests run on the safe placeholder values of .env.example, with DATABASE_URL set per test file.
function exampleEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(new URL("./.env.example", import.meta.url), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["tests/**/*.test.ts", "app/**/*.test.ts", "simulator/**/*.test.ts"],
    environment: "node",
    env: { ...exampleEnv(), MOMENTO_VIRTUAL_TIME: "1" },
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/per-file.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
