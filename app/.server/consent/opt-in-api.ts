// The checkout extension's call (POST /api/checkout/opt-in, authenticated with the checkout session token):
// check the body, normalize the number with the shop's country, and move the consent together with the
// messages that follow (the double opt-in request) in one transaction. A number that does not parse is
// answered 400 and nothing is stored.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../clock";
import { isUniqueViolation, retryOnContention, type Db } from "../db";
import { normalizePhone } from "../identity";
import { enqueuePlans } from "../ingest/enqueue";
import { describeZodError } from "../ingest/shopify-payloads";
import { requestConsent, revokeConsent } from "./lifecycle";
import { findConsent, type ConsentState } from "./state";

export interface OptInApiDeps {
  db: Db;
  clock: Clock;
}

/** What the extension sends (extensions/whatsapp-opt-in/src/backend.ts, OptInBody). */
export const checkoutOptInBody = z
  .object({
    optIn: z.boolean(),
    phone: z.string().trim().min(1, "the WhatsApp number is missing").max(40),
    locale: z.string().trim().max(35).nullish(),
    wording: z.string().trim().max(2000).nullish(),
    wordingVersion: z.string().trim().max(100).nullish(),
    checkoutToken: z.string().trim().max(256).nullish(),
  })
  .superRefine((body, ctx) => {
    // Proof of a consent includes the exact text the buyer agreed to (BGH I ZR 164/09).
    if (body.optIn && !body.wording) ctx.addIssue({ code: "custom", path: ["wording"], message: "an opt-in needs the wording the buyer saw" });
    if (body.optIn && !body.wordingVersion) ctx.addIssue({ code: "custom", path: ["wordingVersion"], message: "an opt-in needs the version of its wording" });
  });
export type CheckoutOptInBody = z.output<typeof checkoutOptInBody>;

/** From the verified session token: who is asking, kept as evidence. */
export interface CheckoutCaller {
  /** `sub`: "gid://shopify/Customer/<id>" for a logged-in buyer (when the app may read customers), else absent. */
  customerGid?: string | null;
  /** `jti` of the session token: Shopify's signed proof that this request came from the checkout. */
  sessionTokenId?: string | null;
}

export type CheckoutOptInResult =
  | { status: 200; body: { ok: true; state: ConsentState } }
  | { status: 400; body: { ok: false; error: string } };

const badRequest = (error: string): CheckoutOptInResult => ({ status: 400, body: { ok: false, error } });

/** The shop of a checkout session token: `dest` is "https://<shop>.myshopify.com" (or the bare domain). */
export function shopFromSessionTokenDest(dest: unknown): string | null {
  if (typeof dest !== "string" || dest === "") return null;
  try {
    return new URL(dest.includes("://") ? dest : `https://${dest}`).hostname || null;
  } catch {
    return null;
  }
}

function customerIdOf(gid: string | null | undefined): string | null {
  const match = gid ? /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(gid) : null;
  return match ? match[1] : null;
}

/** The extension versions its wording as "sha256:<hex of the text>"; whether that holds is kept as evidence. */
export function wordingVersionMatches(wording: string | null | undefined, version: string | null | undefined): boolean | null {
  if (!wording || !version?.startsWith("sha256:")) return null;
  return version === `sha256:${createHash("sha256").update(wording, "utf8").digest("hex")}`;
}

export async function receiveCheckoutOptIn(deps: OptInApiDeps, shop: string, input: unknown, caller: CheckoutCaller = {}): Promise<CheckoutOptInResult> {
  const parsed = checkoutOptInBody.safeParse(input);
  if (!parsed.success) return badRequest(`The opt-in request is not usable: ${describeZodError(parsed.error)}.`);
  const body = parsed.data;

  const shopRow = await deps.db.shop.findUnique({ where: { domain: shop }, select: { country: true } });
  const country = shopRow?.country ?? "DE";
  const phone = normalizePhone(body.phone, country);
  if (!phone) return badRequest(`"${body.phone}" is not a valid phone number (read with the shop's country ${country}); nothing was stored.`);

  const evidence = {
    channel: "checkout_extension",
    sessionTokenId: caller.sessionTokenId ?? null,
    customerGid: caller.customerGid ?? null,
    phoneAsTyped: body.phone,
    wordingVersionMatchesText: wordingVersionMatches(body.wording, body.wordingVersion),
  };
  const customerId = customerIdOf(caller.customerGid);

  // A quick tick and untick can race on the same new Consent row: the loser retries and sees the winner's row.
  for (let attempt = 1; ; attempt++) {
    try {
      return await retryOnContention(() =>
        deps.db.$transaction(async (tx) => {
          const now = deps.clock.now();
          const plans = body.optIn
            ? await requestConsent(
                tx,
                {
                  shop,
                  phone,
                  source: "checkout",
                  locale: body.locale ?? null,
                  customerId,
                  checkoutToken: body.checkoutToken ?? null,
                  wording: body.wording ?? null,
                  wordingVersion: body.wordingVersion ?? null,
                  evidence,
                },
                now,
              )
            : await revokeConsent(
                tx,
                {
                  shop,
                  phone,
                  source: "checkout",
                  evidence: {
                    ...evidence,
                    checkoutToken: body.checkoutToken ?? null,
                    locale: body.locale ?? null,
                    wording: body.wording ?? null,
                    wordingVersion: body.wordingVersion ?? null,
                  },
                },
                now,
              );
          await enqueuePlans(tx, shop, plans, now);
          const consent = await findConsent(tx, shop, { phone });
          return { status: 200 as const, body: { ok: true as const, state: (consent?.state ?? "NONE") as ConsentState } };
        }),
      );
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}
