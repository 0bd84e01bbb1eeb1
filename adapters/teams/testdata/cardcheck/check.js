// Parses Adaptive Cards the way Teams clients do and reports every
// validation problem; exits non-zero if any card has one. Every TextBlock
// text and FactSet title and value is also rendered as Markdown with
// markdown-it (as the adaptivecards renderer's onProcessMarkdown hook is
// commonly wired): the bot escapes all text it shows, so the only markup
// allowed is its own paragraphs and lists. With --render, the rendered
// fragments are printed as JSON lines {"file","source","html"}.
const fs = require("fs");
const AC = require("adaptivecards/dist/adaptivecards.js");
const md = require("markdown-it")();

const allowed = new Set(["p", "ol", "ul", "li", "br"]);

function texts(node, out) {
  if (Array.isArray(node)) { node.forEach((n) => texts(n, out)); return out; }
  if (!node || typeof node !== "object") return out;
  if (node.type === "TextBlock" && typeof node.text === "string") out.push(node.text);
  if (node.type === "FactSet" && Array.isArray(node.facts)) {
    for (const f of node.facts) { out.push(String(f.title)); out.push(String(f.value)); }
  }
  if (typeof node.fallbackText === "string") out.push(node.fallbackText);
  for (const k of Object.keys(node)) if (typeof node[k] === "object") texts(node[k], out);
  return out;
}

const args = process.argv.slice(2);
const render = args[0] === "--render";
const files = render ? args.slice(1) : args;
let bad = 0;
for (const file of files) {
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  card.parse(json, ctx);
  const problems = [];
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    problems.push(`${e.phase}: ${e.message}`);
  }
  const results = card.validateProperties();
  for (const e of results.validationEvents) problems.push(`validate: ${e.message}`);
  if (card.version && (card.version.major > 1 || card.version.minor > 5)) problems.push(`version ${card.version} above 1.5`);
  for (const source of texts(json, [])) {
    const html = md.render(source);
    for (const m of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)) {
      if (!allowed.has(m[1].toLowerCase())) problems.push(`markdown: <${m[1]}> from ${JSON.stringify(source.slice(0, 120))}`);
    }
    if (render) console.log(JSON.stringify({ file, source, html }));
  }
  if (problems.length) { bad++; console.log(file + ":\n  " + problems.join("\n  ")); }
  else if (!render) console.log(file + ": ok (" + card.getItemCount() + " items, version " + card.version + ")");
}
process.exit(bad ? 1 : 0);
