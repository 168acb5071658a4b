import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "~/.server/clock";
import { suggestedTemplates } from "~/.server/templates/catalogue";
import { isValidWhatsAppSignature } from "~/.server/whatsapp/signature";
import { createCloudApiSimulator } from "../../simulator/cloud-api";
import { serveSimulator, startRealTimeFlusher, type SimulatorServer } from "../../simulator/http";
import { ACCESS_TOKEN, APP_SECRET, APP_URL, PHONE_NUMBER_ID, SHOPPER, SHOPPER_DIGITS, WABA_ID, createHarness, optIn, orderConfirmation } from "./helpers";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function serve(harness = createHarness()): Promise<{ server: SimulatorServer } & ReturnType<typeof createHarness>> {
  const server = await serveSimulator(harness.sim, { port: 0 });
  cleanups.push(() => server.close());
  return { server, ...harness };
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

const templateSend = (to: string, name: string, language: string, components: unknown[]) => ({
  messaging_product: "whatsapp",
  to,
  type: "template",
  template: { name, language: { code: language }, components },
});

describe("serveSimulator", () => {
  it("listens on an ephemeral loopback port and answers the Cloud API over HTTP", async () => {
    const { server, sim } = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await postJson(`${server.url}/v24.0/${PHONE_NUMBER_ID}/messages`, templateSend(SHOPPER, "momento_opt_in_confirmation", "de", optIn()), {
      Authorization: `Bearer ${ACCESS_TOKEN}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await ok.json()) as { messages: { id: string }[] }).messages[0].id).toBe(sim.sent[0].wamid);

    const bad = await postJson(`${server.url}/v24.0/${PHONE_NUMBER_ID}/messages`, templateSend(SHOPPER, "momento_opt_in_confirmation", "de", []), {
      Authorization: `Bearer ${ACCESS_TOKEN}`,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(132000);

    const unauthorised = await fetch(`${server.url}/v24.0/${WABA_ID}/message_templates`);
    expect(unauthorised.status).toBe(401);
    const list = await fetch(`${server.url}/v24.0/${WABA_ID}/message_templates?fields=name`, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } });
    expect(((await list.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });

  it("lets a person act as the shopper through /_sim endpoints", async () => {
    const { server, sim, delivered } = await serve();
    const auth = { Authorization: `Bearer ${ACCESS_TOKEN}` };
    await postJson(`${server.url}/v24.0/${PHONE_NUMBER_ID}/messages`, templateSend(SHOPPER, "momento_opt_in_confirmation", "de", optIn()), auth);
    await postJson(`${server.url}/v24.0/${PHONE_NUMBER_ID}/messages`, templateSend(SHOPPER, "momento_order_confirmation", "en", orderConfirmation("m-7")), auth);

    const reply = await postJson(`${server.url}/_sim/reply`, { from: SHOPPER, text: "JA" });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { id: string }).id).toMatch(/^wamid\./);

    expect((await postJson(`${server.url}/_sim/tap`, { from: SHOPPER, button: 0 })).status).toBe(200);
    expect((await postJson(`${server.url}/_sim/tap`, { from: SHOPPER, button: 7 })).status).toBe(404);
    expect((await postJson(`${server.url}/_sim/tap`, { from: SHOPPER })).status).toBe(400);

    const click = await postJson(`${server.url}/_sim/click`, { from: SHOPPER });
    expect(await click.json()).toEqual({ url: `${APP_URL}/r/m-7` });
    expect((await postJson(`${server.url}/_sim/click`, { from: "+4917600000001" })).status).toBe(404);

    expect((await postJson(`${server.url}/_sim/recipient`, { phone: SHOPPER, reads: false, failWith: 131049 })).status).toBe(200);
    expect((await postJson(`${server.url}/_sim/recipient`, { phone: SHOPPER, reads: "no" })).status).toBe(400);
    await postJson(`${server.url}/_sim/messages`, {}).then((r) => expect(r.status).toBe(405));
    expect((await postJson(`${server.url}/_sim/reply`, "not json")).status).toBe(400);
    expect((await postJson(`${server.url}/_sim/nothing`, {})).status).toBe(404);
    await postJson(`${server.url}/v24.0/${PHONE_NUMBER_ID}/messages`, templateSend(SHOPPER, "momento_opt_in_confirmation", "de", optIn()), auth);
    expect(sim.sent.at(-1)?.asyncFailure).toBe(131049);

    const listing = await fetch(`${server.url}/_sim/messages`);
    const text = await listing.text();
    expect(text).not.toContain(ACCESS_TOKEN);
    expect(text).not.toContain(APP_SECRET);
    const json = JSON.parse(text) as { messages: { template: string; to: string; sentAt: string }[]; inbound: { type: string }[] };
    expect(json.messages.map((m) => m.template)).toEqual(["momento_opt_in_confirmation", "momento_order_confirmation", "momento_opt_in_confirmation"]);
    expect(json.messages[0].sentAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(json.inbound.map((i) => i.type)).toEqual(["text", "button"]);

    await sim.flushDue();
    expect(delivered.map((d) => d.body.entry[0].changes[0].value.messages?.[0].type)).toEqual(["text", "button"]);
  });

  it("closes cleanly and frees the port", async () => {
    const harness = createHarness();
    const server = await serveSimulator(harness.sim, { port: 0 });
    await server.close();
    await expect(fetch(`${server.url}/_sim/messages`)).rejects.toThrow();
  });
});

describe("startRealTimeFlusher", () => {
  it("delivers webhooks on the system clock without being asked", async () => {
    const received: { rawBody: string; signature: string }[] = [];
    const sim = createCloudApiSimulator({
      clock: systemClock,
      appSecret: APP_SECRET,
      accessToken: ACCESS_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      templates: suggestedTemplates(APP_URL),
      deliverWebhook: async (rawBody, signature) => {
        received.push({ rawBody, signature });
      },
    });
    const stop = startRealTimeFlusher(sim, 20);
    cleanups.push(stop);
    sim.reply(SHOPPER, "Hallo");
    const deadline = Date.now() + 2000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received).toHaveLength(1);
    expect(isValidWhatsAppSignature(received[0].rawBody, received[0].signature, APP_SECRET)).toBe(true);
    expect(received[0].rawBody).toContain(`"from":"${SHOPPER_DIGITS}"`);

    stop();
    sim.reply(SHOPPER, "nach dem Stopp");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(1);
  });
});
