// A small Block Kit to HTML renderer, enough for the blocks the bot posts
// (header, section with text, fields and a button accessory, context,
// divider, actions, image). Anything else is drawn as a visible red note, so
// a new block type cannot slip into the pictures unrendered.
// Formatting follows Slack's "Formatting text for app surfaces":
// https://api.slack.com/reference/surfaces/formatting

const emoji = {
  red_circle: "🔴", large_orange_circle: "🟠", large_yellow_circle: "🟡", large_green_circle: "🟢",
  large_blue_circle: "🔵", white_check_mark: "✅", warning: "⚠️", information_source: "ℹ️",
  no_entry: "⛔", mag: "🔍", lock: "🔒", key: "🔑", hourglass: "⌛", x: "❌",
};

// escapeHTML escapes text that holds no markup at all (plain_text).
export function escapeHTML(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// text that Slack already escaped (&amp; &lt; &gt;) keeps its entities; a
// stray & < > is escaped as Slack itself would show it.
function escapeSlackEscaped(s) {
  return s.replace(/&(?!(amp|lt|gt);)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function emojify(s) {
  return s.replace(/:([a-z0-9_+-]+):/g, (m, name) => emoji[name] ?? m);
}

// inline applies *bold*, _italic_, ~strike~ and `code` to escaped text, and
// links bare URLs as Slack does.
function inline(s) {
  const codes = [];
  s = s.replace(/`([^`\n]+)`/g, (_, c) => `\u0000${codes.push(c) - 1}\u0000`);
  s = s.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1<b>$2</b>");
  s = s.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, "$1<i>$2</i>");
  s = s.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, "$1<s>$2</s>");
  s = s.replace(/(^|[\s(])(https?:\/\/[^\s<]+[^\s<.,:;)])/g, '$1<a href="$2">$2</a>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => `<code>${codes[i]}</code>`);
}

// mrkdwn renders a mrkdwn string: <url|label> links, mentions, then inline
// formatting, emoji and line breaks.
export function mrkdwn(text) {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(/<([^<>]+)>/g)) {
    out += inline(escapeSlackEscaped(text.slice(last, m.index)));
    const [target, label] = m[1].split("|", 2);
    if (target.startsWith("@") || target.startsWith("#") || target.startsWith("!")) {
      out += `<span class="mention">${target[0] === "#" ? "#" : "@"}${escapeSlackEscaped(label ?? target.slice(1))}</span>`;
    } else {
      const href = target.replace(/^mailto:/, "mailto:");
      out += `<a href="${escapeHTML(href)}">${escapeSlackEscaped(label ?? target.replace(/^mailto:/, ""))}</a>`;
    }
    last = m.index + m[0].length;
  }
  out += inline(escapeSlackEscaped(text.slice(last)));
  return emojify(out).replace(/\n/g, "<br>");
}

function textObject(t) {
  if (!t) return "";
  return t.type === "mrkdwn" ? mrkdwn(t.text) : emojify(escapeHTML(t.text));
}

function button(b) {
  const style = b.style === "primary" ? " primary" : b.style === "danger" ? " danger" : "";
  const link = b.url ? ' <span class="ext">↗</span>' : "";
  return `<span class="button${style}">${escapeHTML(b.text.text)}${link}</span>`;
}

function unsupported(what) {
  return `<div class="unsupported">unsupported ${escapeHTML(what)}</div>`;
}

function block(b) {
  switch (b.type) {
    case "header":
      return `<div class="header">${textObject(b.text)}</div>`;
    case "section": {
      let inner = b.text ? `<div class="text">${textObject(b.text)}</div>` : "";
      if (b.fields) {
        inner += `<div class="fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join("")}</div>`;
      }
      let acc = "";
      if (b.accessory) acc = b.accessory.type === "button" ? button(b.accessory) : unsupported(`accessory ${b.accessory.type}`);
      return `<div class="section"><div class="main">${inner}</div>${acc ? `<div class="accessory">${acc}</div>` : ""}</div>`;
    }
    case "context":
      return `<div class="context">${b.elements.map((e) => (e.type === "image" ? `<img src="${escapeHTML(e.image_url)}" alt="">` : `<span>${textObject(e)}</span>`)).join("")}</div>`;
    case "divider":
      return '<hr class="divider">';
    case "actions":
      return `<div class="actions">${b.elements.map((e) => (e.type === "button" ? button(e) : unsupported(`element ${e.type}`))).join("")}</div>`;
    case "image":
      return `<img class="image" src="${escapeHTML(b.image_url)}" alt="${escapeHTML(b.alt_text ?? "")}">`;
  }
  return unsupported(`block ${b.type}`);
}

export function blocks(payload) {
  if (!payload.blocks || payload.blocks.length === 0) {
    return `<div class="section"><div class="main"><div class="text">${mrkdwn(payload.text ?? "")}</div></div></div>`;
  }
  return payload.blocks.map(block).join("\n");
}

export const css = `
body { margin: 0; background: #fff; font-family: "Noto Sans", "DejaVu Sans", Lato, sans-serif; font-size: 15px; line-height: 1.46668; color: #1d1c1d; }
.channel { border-bottom: 1px solid #e8e8e8; padding: 12px 20px; font-weight: 900; font-size: 18px; }
.message { display: flex; padding: 12px 20px 16px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #0f6cbd; color: #fff; font-weight: 700; display: flex; align-items: center; justify-content: center; margin-right: 8px; flex: none; }
.body { flex: 1; min-width: 0; }
.who { font-weight: 900; margin-right: 4px; }
.app { background: rgba(29,28,29,.13); color: rgba(29,28,29,.7); font-size: 10px; font-weight: 700; padding: 1px 3px; border-radius: 2px; margin-right: 6px; vertical-align: 1px; }
.time { color: #616061; font-size: 12px; }
.header { font-size: 18px; font-weight: 900; margin: 6px 0 4px; }
.section { display: flex; margin: 4px 0; }
.section .main { flex: 1; min-width: 0; overflow-wrap: anywhere; }
.section .accessory { margin-left: 12px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.context { overflow-wrap: anywhere; color: #616061; font-size: 12px; margin: 4px 0; }
.context img { width: 16px; height: 16px; vertical-align: middle; margin-right: 4px; }
.divider { border: 0; border-top: 1px solid #dddddd; margin: 10px 0; }
.actions { margin: 8px 0 4px; display: flex; gap: 8px; flex-wrap: wrap; }
.button { display: inline-block; border: 1px solid rgba(29,28,29,.3); border-radius: 4px; padding: 0 12px; height: 28px; line-height: 28px; font-size: 13px; font-weight: 700; background: #fff; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.button.danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.button .ext { font-weight: 400; }
a { color: #1264a3; text-decoration: none; }
code { font-family: Menlo, "DejaVu Sans Mono", monospace; font-size: 12px; color: #e01e5a; background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px; padding: 1px 3px; }
.mention { color: #1264a3; background: rgba(29,155,209,.1); border-radius: 3px; padding: 0 2px; }
.unsupported { color: #fff; background: #e01e5a; padding: 4px; font-weight: 700; }
`;
