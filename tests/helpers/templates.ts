// A shop's template list as a sync from its WABA stores it (saveTemplateSync), from templates in Meta's format —
// the simulator's and the catalogue's — so the send-time checks see what Meta would say.
import type { Db } from "~/.server/db";
import { saveTemplateSync } from "~/.server/templates/whatsapp-templates";
import type { SimulatorTemplate } from "../../simulator/cloud-api";

/** Stores `templates` as the shop's synced list (APPROVED unless a status is given); creates a connection row if needed. */
export async function syncShopTemplates(db: Db, shop: string, templates: SimulatorTemplate[], now: Date): Promise<void> {
  await db.whatsAppConnection.upsert({
    where: { shop },
    // Only the sync mark matters here; the numbers must be no real sender's, so inbound scoping is unchanged for others.
    create: { shop, phoneNumberId: `sync-${shop}`, wabaId: `sync-${shop}`, accessTokenEnc: "x", appSecretEnc: "x", verifyToken: "sync-test", updatedAt: now },
    update: {},
  });
  await saveTemplateSync(
    db,
    shop,
    templates.map((t) => ({ name: t.name, language: t.language, category: t.category, status: t.status ?? "APPROVED", components: t.components, rejectedReason: null, metaId: null })),
    now,
  );
}
