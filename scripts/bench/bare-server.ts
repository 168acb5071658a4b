// The baseline for `npm run bench:ingest`: a bare Node HTTP server that only checks Shopify's HMAC.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.SHOPIFY_API_SECRET ?? "";
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const expected = Buffer.from(createHmac("sha256", secret).update(Buffer.concat(chunks)).digest("base64"));
    const given = Buffer.from(String(req.headers["x-shopify-hmac-sha256"] ?? ""));
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    res.writeHead(ok ? 200 : 401).end();
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("bare server ready"));
