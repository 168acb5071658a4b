// The phone view's script (simulator/phone-view.ts serves it inline): polls /_sim/messages, draws one
// chat per shopper, and sends taps and replies through /_sim/tap and /_sim/reply.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const keyOf = (to) => (/^\+?\d{6,15}$/.test(to.trim()) ? to.replace(/\D/g, "") : to.trim());
  const label = (key) => (/^\d+$/.test(key) ? `+${key}` : key);
  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  let selected = new URLSearchParams(location.search).get("chat");
  let lastSignature = "";

  function setStatus(text) {
    $("status").textContent = text;
  }

  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) setStatus((await response.json().catch(() => ({}))).error ?? `The simulator answered ${response.status}`);
    return response.ok;
  }

  function render(sent, inbound) {
    const chats = new Map();
    for (const m of sent) {
      const key = keyOf(m.to);
      if (!chats.has(key)) chats.set(key, []);
      chats.get(key).push({ kind: "sent", at: m.sentAt, message: m });
    }
    for (const m of inbound) {
      if (!chats.has(m.from)) chats.set(m.from, []);
      chats.get(m.from).push({ kind: "inbound", at: m.at, message: m });
    }
    for (const items of chats.values()) items.sort((a, b) => a.at.localeCompare(b.at));
    const ordered = [...chats.entries()].sort((a, b) => b[1][b[1].length - 1].at.localeCompare(a[1][a[1].length - 1].at));
    if (!selected && ordered.length > 0) selected = ordered[0][0];

    const list = $("chat-list");
    list.replaceChildren();
    $("no-chats").hidden = ordered.length > 0;
    for (const [key, items] of ordered) {
      const last = items[items.length - 1];
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.chat = key;
      if (key === selected) button.setAttribute("aria-current", "true");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = label(key);
      const preview = document.createElement("span");
      preview.className = "last";
      preview.textContent = last.message.text;
      button.append(name, preview);
      button.addEventListener("click", () => {
        selected = key;
        history.replaceState(null, "", `?chat=${encodeURIComponent(key)}`);
        lastSignature = "";
        void refresh();
      });
      li.append(button);
      list.append(li);
    }

    const items = selected ? (chats.get(selected) ?? []) : [];
    $("chat-title").textContent = selected ? label(selected) : "Choose a chat";
    $("chat-sub").textContent = selected ? `${items.length} message${items.length === 1 ? "" : "s"}` : "";
    $("reply").hidden = !selected;
    // Only the newest message with quick replies can be answered by tapping (the simulator answers that one).
    const latestWithQuickReplies = [...items].reverse().find((i) => i.kind === "sent" && i.message.asyncFailure === null && i.message.buttons.some((b) => b.type === "QUICK_REPLY"));
    const bubbles = $("bubbles");
    bubbles.replaceChildren();
    for (const item of items) {
      const li = document.createElement("li");
      if (item.kind === "sent" && item.message.asyncFailure !== null) {
        li.className = "system";
        li.textContent = `Not delivered to this phone (WhatsApp error ${item.message.asyncFailure}) · ${time(item.at)}`;
        bubbles.append(li);
        continue;
      }
      li.className = item.kind === "inbound" ? "msg mine" : "msg";
      const bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.textContent = item.message.text;
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = time(item.at);
      bubble.append(meta);
      li.append(bubble);
      if (item.kind === "sent" && item.message.buttons.length > 0) {
        const buttons = document.createElement("div");
        buttons.className = "buttons";
        for (const b of item.message.buttons) {
          if (b.type === "URL" && b.url) {
            const a = document.createElement("a");
            a.href = b.url;
            a.target = "_blank";
            a.rel = "noopener";
            a.textContent = `↗ ${b.text}`;
            a.addEventListener("click", () => setStatus(`Opened “${b.text}” — the app records the click and forwards to the shop.`));
            buttons.append(a);
          } else if (b.type === "QUICK_REPLY") {
            const button = document.createElement("button");
            button.type = "button";
            button.textContent = `↩ ${b.text}`;
            button.disabled = item !== latestWithQuickReplies;
            if (button.disabled) button.title = "Only the newest message's buttons can be tapped here";
            const chat = selected;
            button.addEventListener("click", async () => {
              button.disabled = true;
              if (await post("/_sim/tap", { from: label(chat), button: b.index })) setStatus(`Tapped “${b.text}”. WhatsApp sends it to the app.`);
              void refresh();
            });
            buttons.append(button);
          }
        }
        li.append(buttons);
      }
      bubbles.append(li);
    }
    bubbles.scrollTop = bubbles.scrollHeight;
  }

  async function refresh() {
    try {
      const response = await fetch("/_sim/messages", { cache: "no-store" });
      const data = await response.json();
      const signature = `${selected}|${data.messages.length}|${data.inbound.length}`;
      if (signature === lastSignature) return;
      lastSignature = signature;
      render(data.messages, data.inbound);
    } catch {
      setStatus("The simulator is not answering. Is the demo still running?");
    }
  }

  $("reply").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("reply-text");
    const text = input.value.trim();
    if (!text || !selected) return;
    if (await post("/_sim/reply", { from: label(selected), text })) {
      input.value = "";
      setStatus("Reply sent to the app.");
    }
    void refresh();
  });

  void refresh();
  setInterval(() => void refresh(), 1500);
})();
