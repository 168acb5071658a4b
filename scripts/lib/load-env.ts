import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./migrate";

/** KEY=value lines of an env file (no expansion, # comments). */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (!existsSync(file)) return env;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return env;
}

/** Fills process.env from .env, then from .env.example's safe values; variables already set win. */
export function loadEnvDefaults(): void {
  for (const file of [".env", ".env.example"]) {
    for (const [key, value] of Object.entries(readEnvFile(path.join(repoRoot, file)))) process.env[key] ??= value;
  }
}
