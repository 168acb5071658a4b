// The simulator's phone view (GET /_sim/phone): every simulated shopper's WhatsApp chat, where a person
// taps quick-reply buttons, types replies and opens links. Taps and replies go through the simulator's
// own /_sim/tap and /_sim/reply, so they reach the app as real signed webhooks, exactly like a phone's.
// One self-contained page (no build step); its script is phone-view.client.js, plain browser JavaScript
// read once at start. Message texts are set with textContent, never as HTML.
import { readFileSync } from "node:fs";

const CLIENT = readFileSync(new URL("./phone-view.client.js", import.meta.url), "utf8");

export function phoneViewHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Phone view · Momento WhatsApp simulator</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header class="top">
  <h1>Shoppers' phones</h1>
  <p>WhatsApp as the simulated shoppers see it. Tap a button, type a reply or open a link: it goes to the app as a real, signed WhatsApp webhook.</p>
</header>
<main class="layout">
  <nav class="chats" aria-label="Chats">
    <h2 class="visually-hidden">Chats</h2>
    <ul id="chat-list"></ul>
    <p id="no-chats" class="hint">No messages yet. When the app sends a WhatsApp message, the shopper's chat appears here.</p>
  </nav>
  <section class="chat" aria-labelledby="chat-title">
    <div class="chat-head"><h2 id="chat-title">Choose a chat</h2><span id="chat-sub"></span></div>
    <ol id="bubbles" class="bubbles" aria-live="polite"></ol>
    <form id="reply" class="reply" hidden>
      <label for="reply-text" class="visually-hidden">Reply as the shopper</label>
      <input id="reply-text" name="text" autocomplete="off" placeholder="Type a reply (e.g. JA or STOP)" required>
      <button type="submit">Send</button>
    </form>
    <p id="status" class="status" role="status"></p>
  </section>
</main>
<script>${CLIENT}</script>
</body>
</html>`;
}

const CSS = `
:root { --green: #008069; --bubble-out: #ffffff; --bubble-in: #d9fdd3; --bg: #efeae2; font: 15px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #111b21; }
* { box-sizing: border-box; }
body { margin: 0; background: #f0f2f5; }
.top { background: var(--green); color: #fff; padding: 14px 24px; }
.top h1 { margin: 0 0 4px; font-size: 20px; }
.top p { margin: 0; opacity: .9; }
.layout { display: grid; grid-template-columns: 320px 1fr; height: calc(100vh - 84px); min-height: 480px; }
.chats { background: #fff; border-right: 1px solid #d1d7db; overflow-y: auto; }
.chats ul { list-style: none; margin: 0; padding: 0; }
.chats button { all: unset; box-sizing: border-box; display: block; width: 100%; padding: 12px 16px; border-bottom: 1px solid #f0f2f5; cursor: pointer; }
.chats button:hover, .chats button:focus-visible { background: #f5f6f6; outline: none; }
.chats button[aria-current="true"] { background: #e9edef; }
.chats .name { font-weight: 600; display: block; }
.chats .last { color: #667781; font-size: 13px; display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.hint { color: #667781; padding: 16px; }
.chat { display: flex; flex-direction: column; background: var(--bg); min-width: 0; }
.chat-head { background: #f0f2f5; padding: 10px 16px; border-bottom: 1px solid #d1d7db; display: flex; gap: 12px; align-items: baseline; }
.chat-head h2 { margin: 0; font-size: 16px; }
.chat-head span { color: #667781; font-size: 13px; }
.bubbles { list-style: none; margin: 0; padding: 16px 8%; overflow-y: auto; flex: 1; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 420px; align-self: flex-start; }
.msg.mine { align-self: flex-end; }
.bubble { background: var(--bubble-out); border-radius: 0 8px 8px 8px; padding: 7px 9px 5px; box-shadow: 0 1px .5px rgba(11,20,26,.13); white-space: pre-wrap; overflow-wrap: anywhere; }
.mine .bubble { background: var(--bubble-in); border-radius: 8px 0 8px 8px; }
.meta { display: block; text-align: right; font-size: 11px; color: #667781; margin-top: 2px; }
.buttons { display: flex; flex-direction: column; gap: 2px; margin-top: 2px; }
.buttons button, .buttons a { display: block; text-align: center; background: #fff; border: 0; border-radius: 8px; padding: 9px; color: #027eb5; font: inherit; font-size: 14px; font-weight: 500; text-decoration: none; cursor: pointer; box-shadow: 0 1px .5px rgba(11,20,26,.13); }
.buttons button:disabled { color: #8696a0; cursor: default; }
.buttons button:focus-visible, .buttons a:focus-visible { outline: 2px solid var(--green); }
.system { align-self: center; background: #fff5c4; color: #54656f; font-size: 12.5px; padding: 5px 10px; border-radius: 8px; }
.reply { display: flex; gap: 8px; padding: 10px 16px; background: #f0f2f5; }
.reply input { flex: 1; padding: 10px 12px; border: 1px solid #d1d7db; border-radius: 8px; font: inherit; }
.reply button { background: var(--green); color: #fff; border: 0; border-radius: 8px; padding: 0 18px; font: inherit; font-weight: 600; cursor: pointer; }
.status { margin: 0; padding: 0 16px 8px; color: #54656f; font-size: 13px; min-height: 1.4em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 760px) { .layout { grid-template-columns: 1fr; height: auto; } .chats { max-height: 220px; } }
`;
