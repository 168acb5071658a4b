// Template headers with media (docs/decisions/011-template-media-headers.md). A template whose HEADER has format
// IMAGE or VIDEO needs one header parameter at send time — {type: "image", image: {link}} — or Meta refuses the
// send with 132000 (API-FACTS.md A1, A2). The planners gather what a message could show (the product image; the
// flow's video URL comes from the Automations settings); which template goes out is decided when the merchant's
// mapping is applied (settings/flows.ts), and only then is the header built, from that template's format.
import type { SyncedTemplate } from "../settings/schema";
import type { TemplateComponent } from "../whatsapp/types";

export type HeaderFormat = NonNullable<SyncedTemplate["header"]>;

/** The media a message has for a header. */
export interface HeaderMedia {
  /** A product image: the cart's or order's first item, the restocked variant. */
  image?: string | null;
  /** The flow's how-to video, as the merchant set it in Automations. */
  video?: string | null;
  /** Without an image: the variant whose image the send path looks up at Shopify (settings/header-image.ts). */
  variantId?: string | null;
}

export type HeaderOutcome =
  /** The header component to send, or null for a template without a header (or a text header without placeholders). */
  | { ok: true; component: TemplateComponent | null }
  /** The template's header needs something this message does not have. */
  | { ok: false; missing: "image" | "video" | "document" | "text" };

/** A public https URL Meta can fetch, else null ("//cdn…" from older Shopify payloads gets https). */
export function httpsUrl(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  if (!value) return null;
  try {
    const url = new URL(value.startsWith("//") ? `https:${value}` : value);
    return url.protocol === "https:" && url.hostname !== "" ? url.toString() : null;
  } catch {
    return null;
  }
}

/** The variant of the first line item that names one (the header image the send path looks up; decision 011). */
export function firstVariantId(items: readonly { variantId?: string | null }[]): string | null {
  return items.find((i) => i.variantId)?.variantId ?? null;
}

/** The header parameter a template needs, from what the message has. */
export function headerComponent(template: Pick<SyncedTemplate, "header" | "headerParameters">, media: HeaderMedia): HeaderOutcome {
  switch (template.header ?? "none") {
    case "none":
      return { ok: true, component: null };
    case "TEXT":
      return (template.headerParameters ?? 0) === 0 ? { ok: true, component: null } : { ok: false, missing: "text" };
    case "IMAGE": {
      const link = httpsUrl(media.image);
      return link ? { ok: true, component: { type: "header", parameters: [{ type: "image", image: { link } }] } } : { ok: false, missing: "image" };
    }
    case "VIDEO": {
      const link = httpsUrl(media.video);
      return link ? { ok: true, component: { type: "header", parameters: [{ type: "video", video: { link } }] } } : { ok: false, missing: "video" };
    }
    default:
      return { ok: false, missing: "document" };
  }
}

/** Whether Momento can ever fill the template's header: none, IMAGE, VIDEO, or TEXT without placeholders. */
export function canFillHeader(template: Pick<SyncedTemplate, "header" | "headerParameters">): boolean {
  const header = template.header ?? "none";
  return header === "none" || header === "IMAGE" || header === "VIDEO" || (header === "TEXT" && (template.headerParameters ?? 0) === 0);
}

/** The components with `header` in front, replacing a header they had. */
export function withHeader(components: TemplateComponent[], header: TemplateComponent | null): TemplateComponent[] {
  const rest = components.filter((c) => c.type !== "header");
  return header ? [header, ...rest] : rest;
}
