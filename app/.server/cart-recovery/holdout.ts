// The holdout draw (METRICS.md "Cart recovery"): deterministic per shop and checkout, so anyone can recompute
// which checkouts were held out from the shop domain and the checkout tokens alone.
import { createHash } from "node:crypto";

/** First 4 bytes of SHA-256("<shop>:<checkout token>") as a big-endian unsigned integer, modulo 100. */
export function holdoutBucket(shop: string, checkoutToken: string): number {
  return createHash("sha256").update(`${shop}:${checkoutToken}`).digest().readUInt32BE(0) % 100;
}

/** Holdout checkouts are those whose bucket is below the holdout share. */
export function isHoldout(bucket: number, holdoutPercent: number): boolean {
  return bucket < holdoutPercent;
}
