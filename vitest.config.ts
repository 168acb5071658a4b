import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";
import { readEnvFile } from "./scripts/lib/load-env";

// Tests run on the safe placeholder values of .env.example, with DATABASE_URL set per test file.
const exampleEnv = () => readEnvFile(new URL("./.env.example", import.meta.url).pathname);

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
