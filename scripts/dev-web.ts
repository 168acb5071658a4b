// `shopify app dev` runs this (shopify.web.toml): the Remix dev server and the outbox worker side by
// side, so messages planned while developing are really sent. Ctrl+C stops both.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { readEnvFile } from "./lib/load-env";
import { repoRoot } from "./lib/migrate";

// The developer's .env fills what the Shopify CLI does not set (it sets the app's key, secret and URL).
for (const [key, value] of Object.entries(readEnvFile(path.join(repoRoot, ".env")))) process.env[key] ??= value;

const children: ChildProcess[] = [];
function start(name: string, command: string, args: string[]) {
  const child = spawn(command, args, { stdio: "inherit", env: process.env });
  child.on("exit", (code) => {
    console.log(`[dev] ${name} exited (${code}); stopping`);
    stopAll(code ?? 1);
  });
  children.push(child);
}
function stopAll(code: number) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exitCode = code;
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

start("web", "remix", ["vite:dev"]);
start("worker", "npm", ["run", "worker"]);
