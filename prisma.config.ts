import path from "node:path";
import { defineConfig } from "prisma/config";

// Prisma's native engines cannot be downloaded on our machines; the WASM schema engine
// with a driver adapter does everything we need (see docs/decisions/001-prisma-offline.md).
const url = process.env.DATABASE_URL ?? "file:./prisma/dev.sqlite";
const isPg = /^postgres(ql)?:/.test(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: isPg ? path.join("prisma", "postgres", "schema.prisma") : path.join("prisma", "schema.prisma"),
  migrations: {
    path: isPg ? path.join("prisma", "postgres", "migrations") : path.join("prisma", "migrations"),
  },
  async adapter() {
    if (isPg) {
      // adapter-pg 6.19.3 cannot read the `name` column type in the schema engine (prisma/orm#27403); 7.x can.
      const { PrismaPg } = await import("prisma-adapter-pg-migrate");
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaLibSQL } = await import("@prisma/adapter-libsql");
    return new PrismaLibSQL({ url });
  },
});
