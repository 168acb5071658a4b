// Media headers, table by table (docs/decisions/011): the header parameter a template's header needs from what a
// message has, the header format a sync records, and what the merchant's mapping makes of a plan whose template
// needs media it does not have.
import { describe, expect, it } from "vitest";
import { planBackInStockBatch } from "~/.server/automations/back-in-stock";
import type { MessagePlan } from "~/.server/automations/types";
import { applyFlowSettingsTo } from "~/.server/settings/flows";
import { templateFits } from "~/.server/settings/form";
import { DEFAULT_SETTINGS, type FlowSettings, type SyncedTemplate } from "~/.server/settings/schema";
import { catalogueShape, suggestedTemplates, TEMPLATE_NAMES, templateWordingVersion } from "~/.server/templates/catalogue";
import { headerComponent, httpsUrl, type HeaderFormat, type HeaderMedia } from "~/.server/templates/media-header";
import { parseTemplatePage, toSyncedTemplate } from "~/.server/templates/whatsapp-templates";
import type { TemplateComponent } from "~/.server/whatsapp/types";
import { fixture } from "../fixtures";

const IMAGE = "https://cdn.shopify.com/s/files/1/products/sneaker.png";
const VIDEO = "https://cdn.example.com/how-to.mp4";
const image = (link: string): TemplateComponent => ({ type: "header", parameters: [{ type: "image", image: { link } }] });
const video = (link: string): TemplateComponent => ({ type: "header", parameters: [{ type: "video", video: { link } }] });

describe("the header parameter a template needs", () => {
  type Row = [string, HeaderFormat | undefined, number | undefined, HeaderMedia, ReturnType<typeof headerComponent>];
  const rows: Row[] = [
    ["header-less template, image at hand → no header", "none", undefined, { image: IMAGE }, { ok: true, component: null }],
    ["stored before headers were read (no field) → no header", undefined, undefined, {}, { ok: true, component: null }],
    ["IMAGE header, image present → image parameter", "IMAGE", undefined, { image: IMAGE }, { ok: true, component: image(IMAGE) }],
    ["IMAGE header, no image → missing image", "IMAGE", undefined, { image: null }, { ok: false, missing: "image" }],
    ["IMAGE header, only a video → missing image", "IMAGE", undefined, { video: VIDEO }, { ok: false, missing: "image" }],
    ["IMAGE header, http image → missing (Meta fetches https)", "IMAGE", undefined, { image: "http://cdn.example.com/a.png" }, { ok: false, missing: "image" }],
    ["IMAGE header, protocol-relative Shopify URL → https", "IMAGE", undefined, { image: "//cdn.shopify.com/a.png" }, { ok: true, component: image("https://cdn.shopify.com/a.png") }],
    ["VIDEO header, video URL set → video parameter", "VIDEO", undefined, { image: IMAGE, video: VIDEO }, { ok: true, component: video(VIDEO) }],
    ["VIDEO header, no video URL → missing video", "VIDEO", undefined, { image: IMAGE, video: null }, { ok: false, missing: "video" }],
    ["DOCUMENT header → missing document (Momento sends none)", "DOCUMENT", undefined, { image: IMAGE }, { ok: false, missing: "document" }],
    ["TEXT header without placeholders → nothing to send", "TEXT", 0, {}, { ok: true, component: null }],
    ["TEXT header with a placeholder → missing text", "TEXT", 1, {}, { ok: false, missing: "text" }],
  ];
  it.each(rows)("%s", (_name, header, headerParameters, media, expected) => {
    expect(headerComponent({ header, headerParameters }, media)).toEqual(expected);
  });

  it("accepts only https URLs with a host", () => {
    expect([IMAGE, "https://x", "ftp://a.b/c", "javascript:alert(1)", "", null, " https://a.b/c.png "].map(httpsUrl)).toEqual([IMAGE, "https://x/", null, null, null, null, "https://a.b/c.png"]);
  });
});

describe("the header format a sync records", () => {
  it("reads IMAGE and TEXT headers from Meta's template list, none where there is no HEADER", () => {
    const page = parseTemplatePage(fixture("whatsapp/template_list_full_response_meta_docs.json"));
    if (!page.ok) throw new Error(page.reason);
    const headers = page.templates.map((t) => toSyncedTemplate(t)).map((t) => [t.header, t.headerParameters]);
    expect(headers).toContainEqual(["IMAGE", undefined]);
    expect(headers).toContainEqual(["TEXT", 1]);
    expect(toSyncedTemplate({ name: "x", language: "de", category: "UTILITY", status: "APPROVED", components: [{ type: "BODY", text: "Hallo {{1}}" }] }).header).toBe("none");
    expect(toSyncedTemplate({ name: "x", language: "de", category: "UTILITY", status: "APPROVED", components: [{ type: "HEADER", format: "video" }, { type: "BODY", text: "Hi" }] }).header).toBe("VIDEO");
  });
});

describe("Momento's image-header templates", () => {
  const all = suggestedTemplates("https://app.example", { imageHeaderHandle: "4::aW1hZ2UvcG5n:ARexample" });
  it.each([
    [TEMPLATE_NAMES.cartRecovery1Image, TEMPLATE_NAMES.cartRecovery1],
    [TEMPLATE_NAMES.backInStockImage, TEMPLATE_NAMES.backInStock],
  ])("%s: an IMAGE header with the example handle, in German and English, worded like %s", (name, original) => {
    for (const language of ["de", "en"] as const) {
      const variant = all.find((t) => t.name === name && t.language === language)!;
      const plain = all.find((t) => t.name === original && t.language === language)!;
      expect(variant.components[0]).toEqual({ type: "HEADER", format: "IMAGE", example: { header_handle: ["4::aW1hZ2UvcG5n:ARexample"] } });
      expect(variant.components.slice(1)).toEqual(plain.components);
      expect(variant.category).toBe(plain.category);
      expect(catalogueShape(name, language)?.header).toBe("IMAGE");
      expect(catalogueShape(original, language)?.header).toBe("none");
    }
  });

  it("leaves the originals' wording versions (named in stored consent evidence) as they were before the variants", () => {
    // Versions as main computed them before the image variants existed.
    expect([TEMPLATE_NAMES.optInConfirmation, TEMPLATE_NAMES.cartRecovery1, TEMPLATE_NAMES.backInStock].flatMap((n) => [templateWordingVersion(n, "de"), templateWordingVersion(n, "en")])).toEqual([
      "momento_opt_in_confirmation/de/6109ba53a9a8", "momento_opt_in_confirmation/en/1b2bd735b485",
      "momento_cart_recovery_1/de/a4241f98e115", "momento_cart_recovery_1/en/9e9ecde6fe94",
      "momento_back_in_stock/de/312e23f1f5b8", "momento_back_in_stock/en/8ee25992931a",
    ]);
    expect(templateWordingVersion(TEMPLATE_NAMES.cartRecovery1Image, "de")).toBe("momento_cart_recovery_1_image/de/a4241f98e115");
  });
});

describe("the mapping builds the header for the template that goes out", () => {
  const now = new Date("2026-03-02T10:00:00Z");
  const synced: SyncedTemplate[] = suggestedTemplates("https://app.example").map((t) => toSyncedTemplate({ ...t, status: "APPROVED" }));
  const videoTemplate: SyncedTemplate = { ...synced.find((t) => t.name === TEMPLATE_NAMES.backInStock && t.language === "de")!, name: "my_restock_video", header: "VIDEO" };
  const plan = (media: HeaderMedia | undefined): MessagePlan =>
    planBackInStockBatch({ id: "r1", detectedAt: now }, { productTitle: "Sneaker", variantTitle: "42", productUrl: "https://shop.example/p", imageUrl: media?.image }, [{ subscriptionId: "s1", phone: "+4915112345678", locale: "de" }], { locale: "de" }, 0, 0, now)[0];
  const settings = (flow: Partial<FlowSettings>) => ({ flows: { ...DEFAULT_SETTINGS.flows, back_in_stock: { ...DEFAULT_SETTINGS.flows.back_in_stock, enabled: true, ...flow } } });

  type Row = [string, Partial<FlowSettings>, HeaderMedia | undefined, { template: string; header: TemplateComponent | null; skip?: string; note?: RegExp }];
  const rows: Row[] = [
    ["not mapped: the suggested header-less template, no header", {}, { image: IMAGE }, { template: TEMPLATE_NAMES.backInStock, header: null }],
    ["mapped to the image template, image present → image header", { template: TEMPLATE_NAMES.backInStockImage }, { image: IMAGE }, { template: TEMPLATE_NAMES.backInStockImage, header: image(IMAGE) }],
    ["mapped to the image template, no image → the suggested one, said why", { template: TEMPLATE_NAMES.backInStockImage }, { image: null }, { template: TEMPLATE_NAMES.backInStock, header: null, note: /momento_back_in_stock_image needs a header image this message does not have; sent with momento_back_in_stock instead/ }],
    ["mapped to a video template, URL set → video header", { template: "my_restock_video", headerVideoUrl: VIDEO }, { image: IMAGE }, { template: "my_restock_video", header: video(VIDEO) }],
    ["mapped to a video template, no URL → the suggested one", { template: "my_restock_video" }, { image: IMAGE }, { template: TEMPLATE_NAMES.backInStock, header: null, note: /needs a header video/ }],
    ["a video URL but a header-less mapping → no header", { headerVideoUrl: VIDEO }, { image: IMAGE }, { template: TEMPLATE_NAMES.backInStock, header: null }],
  ];
  it.each(rows)("%s", (_name, flow, media, expected) => {
    const [result] = applyFlowSettingsTo([plan(media)], settings(flow), [...synced, videoTemplate]);
    expect(result.template).toBe(expected.template);
    expect(result.skipReason).toBe(expected.skip);
    expect(result.components.filter((c) => c.type === "header")).toEqual(expected.header ? [expected.header] : []);
    expect(result.components.find((c) => c.type === "body")).toEqual({ type: "body", parameters: [{ type: "text", text: "Sneaker – 42" }] });
    if (expected.note) expect(result.planNote).toMatch(expected.note);
    else expect(result.planNote).toBeUndefined();
  });

  it("offers for mapping only templates whose header Momento can fill", () => {
    const suggested = synced.find((t) => t.name === TEMPLATE_NAMES.backInStock && t.language === "de")!;
    const rows: [SyncedTemplate["header"], number | undefined, boolean][] = [["none", undefined, true], ["IMAGE", undefined, true], ["VIDEO", undefined, true], ["TEXT", 0, true], ["TEXT", 1, false], ["DOCUMENT", undefined, false]];
    expect(rows.map(([header, headerParameters]) => templateFits({ ...suggested, header, headerParameters }, suggested))).toEqual(rows.map(([, , fits]) => fits));
  });

  it("skips with header_media_missing when even the suggested template needs media the message lacks", () => {
    const imageSuggested = synced.map((t) => (t.name === TEMPLATE_NAMES.backInStock ? { ...t, header: "IMAGE" as const } : t));
    const [result] = applyFlowSettingsTo([plan({ image: null })], settings({ template: TEMPLATE_NAMES.backInStockImage }), imageSuggested);
    expect(result).toMatchObject({ skipReason: "header_media_missing", planNote: expect.stringMatching(/needs a header image/) });
  });
});
