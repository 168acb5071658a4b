// Runs before each test file: a fresh database, and no way to reach the internet.
import { afterAll } from "vitest";
import { dropDatabase, freshDatabaseUrl } from "./test-db";

const url = await freshDatabaseUrl();
process.env.DATABASE_URL = url;

const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const target = new URL(input instanceof Request ? input.url : String(input));
  if (!["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
    throw new Error(`tests may not reach the network: ${target.origin}`);
  }
  return realFetch(input, init);
};

afterAll(async () => {
  const g = globalThis as { __momentoDb?: { $disconnect(): Promise<void> } };
  await g.__momentoDb?.$disconnect();
  await dropDatabase(url);
});
