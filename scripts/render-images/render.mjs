// render.mjs draws docs/images/*.png from the renderers' golden files, so
// the pictures in the README and docs show exactly what the tests hold the
// bot to:
//   - Slack: adapters/slack/testdata/TestRenderGolden/*.golden.json (Block
//     Kit), through the small renderer in slack.mjs;
//   - Teams: adapters/teams/testdata/TestCardGolden/*.golden.json (Adaptive
//     Cards), through Microsoft's adaptivecards renderer with markdown-it.
// Each page is screenshotted with headless Chromium.
//
//   apt-get install -y chromium fonts-noto-core fonts-noto-color-emoji
//   cd scripts/render-images && npm ci && node render.mjs
//
// The golden files hold the placeholder TIME where the real output has a
// clock time; the pictures show a fixed example time instead.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as slack from "./slack.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const outDir = join(root, "docs/images");
const width = 720;

const images = [
  { kind: "slack", golden: "adapters/slack/testdata/TestRenderGolden/adele_en.golden.json", out: "slack-reply.png", command: "/onboard-check adele@contoso.com" },
  { kind: "slack", golden: "adapters/slack/testdata/TestRenderGolden/lynne_nl.golden.json", out: "slack-reply-nl.png", command: "/onboard-check lynne@contoso.com" },
  { kind: "teams", golden: "adapters/teams/testdata/TestCardGolden/adele_en.golden.json", out: "teams-card.png", command: "@onboard-check adele@contoso.com" },
  { kind: "teams", golden: "adapters/teams/testdata/TestCardGolden/megan_nl.golden.json", out: "teams-card-nl.png", command: "@onboard-check megan@contoso.com" },
];

// withTimes replaces the golden files' TIME placeholders: a window "TIME to
// TIME" (or "TIME tot TIME") becomes the seven days before the example
// moment, every other TIME the moment of the failed sign-in.
function withTimes(s) {
  return s
    .replace(/TIME (to|tot) TIME/g, "2026-11-21 14:01 $1 2026-11-28 14:01 UTC")
    .replace(/TIME/g, "2026-11-28 13:21 UTC");
}

function chromium() {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      execFileSync("which", [name], { stdio: "ignore" });
      return name;
    } catch {}
  }
  throw new Error("no chromium on PATH: apt-get install -y chromium");
}

const browser = chromium();
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
  "--virtual-time-budget=5000", "--run-all-compositor-stages-before-draw", "--default-background-color=ffffffff"];

// The page records its height as its last script runs (reading the layout
// forces it); the first run reads it, the second takes the screenshot at
// that size.
const measure = `<script>
document.body.setAttribute("data-height", Math.ceil(document.body.getBoundingClientRect().height));
</script>`;

function slackPage(payload, command) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${slack.css}</style></head><body>
<div class="channel"># helpdesk</div>
<div class="message"><div class="avatar" style="background:#611f69">HD</div><div class="body">
<span class="who">Megan Bowen</span><span class="time">13:25</span>
<div>${slack.escapeHTML(command)}</div></div></div>
<div class="message" style="padding-top:0"><div class="avatar">✓</div><div class="body">
<span class="who">onboard-check</span><span class="app">APP</span><span class="time">13:25</span>
${slack.blocks(payload)}
</div></div>${measure}</body></html>`;
}

// Microsoft Teams' light theme, close enough for a picture: Segoe UI falls
// back to Noto Sans here.
const hostConfig = {
  fontFamily: "'Segoe UI', 'Noto Sans', 'DejaVu Sans', sans-serif",
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: "#E1DFDD" },
  fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: "#FFFFFF",
      foregroundColors: {
        default: { default: "#242424", subtle: "#616161" },
        accent: { default: "#5B5FC7", subtle: "#6264A7" },
        attention: { default: "#C4314B", subtle: "#C4314B" },
        good: { default: "#237B4B", subtle: "#237B4B" },
        warning: { default: "#835C00", subtle: "#835C00" },
        dark: { default: "#252423", subtle: "#484644" },
        light: { default: "#FFFFFF", subtle: "#F3F2F1" },
      },
    },
    emphasis: { backgroundColor: "#F5F5F5", foregroundColors: { default: { default: "#242424", subtle: "#616161" } } },
  },
  actions: { maxActions: 6, spacing: "default", buttonSpacing: 8, showCard: { actionMode: "inline" }, actionsOrientation: "horizontal", actionAlignment: "left" },
  factSet: { title: { weight: "bolder", wrap: true, maxWidth: 150 }, value: { wrap: true }, spacing: 8 },
};

const teamsCSS = `
body { margin: 0; background: #f5f5f5; font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif; color: #242424; }
.chat { padding: 16px 20px; }
.row { display: flex; margin-bottom: 16px; }
.row.mine { justify-content: flex-end; }
.avatar { width: 32px; height: 32px; border-radius: 50%; background: #5b5fc7; color: #fff; font-weight: 600; display: flex; align-items: center; justify-content: center; margin-right: 8px; flex: none; font-size: 13px; }
.bubble { overflow-wrap: anywhere; background: #fff; border-radius: 4px; padding: 8px 16px 12px; box-shadow: 0 1px 2px rgba(0,0,0,.14); max-width: 100%; flex: 1; min-width: 0; }
.mine .bubble { background: #e8ebfa; flex: none; padding: 8px 16px; }
.meta { font-size: 12px; color: #616161; margin-bottom: 6px; }
.meta b { color: #242424; font-weight: 600; margin-right: 8px; }
.mention { color: #5b5fc7; font-weight: 600; }
.ac-pushButton { border: 1px solid #d1d1d1 !important; background: #fff !important; border-radius: 4px; padding: 5px 12px !important; font-weight: 600; font-size: 14px; color: #242424; font-family: inherit; }
.ac-textBlock { overflow-wrap: anywhere !important; min-width: 0; }
.ac-textBlock p { margin: 0; }
.ac-textBlock ol, .ac-textBlock ul { margin: 0; padding-left: 20px; box-sizing: border-box; }
.ac-textBlock a { color: #5b5fc7; }
`;

function teamsPage(card, command) {
  const ac = readFileSync(join(here, "node_modules/adaptivecards/dist/adaptivecards.min.js"), "utf8");
  const md = readFileSync(join(here, "node_modules/markdown-it/dist/browser/markdown-it.umd.min.js"), "utf8");
  const [mention, ...rest] = command.split(" ");
  return `<!doctype html><html><head><meta charset="utf-8"><style>${teamsCSS}</style>
<script>${md}</script><script>${ac}</script></head><body><div class="chat">
<div class="row mine"><div class="bubble"><div class="meta">13:25</div><span class="mention">${mention.slice(1)}</span> ${rest.join(" ")}</div></div>
<div class="row"><div class="avatar">OC</div><div class="bubble"><div class="meta"><b>onboard-check</b>13:25</div><div id="card"></div></div></div>
</div>
<script>
const md = window.markdownit({ linkify: true });
md.linkify.set({ fuzzyEmail: false });
AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => { result.outputHtml = md.render(text); result.didProcess = true; };
const card = new AdaptiveCards.AdaptiveCard();
card.hostConfig = new AdaptiveCards.HostConfig(${JSON.stringify(hostConfig)});
const context = new AdaptiveCards.SerializationContext();
card.parse(${JSON.stringify(card)}, context);
const problems = [];
for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
if (problems.length > 0) document.body.setAttribute("data-problems", problems.join("; "));
document.getElementById("card").appendChild(card.render());
</script>${measure}</body></html>`;
}

function shoot(html, out) {
  const dir = mkdtempSync(join(tmpdir(), "render-images-"));
  const page = join(dir, "page.html");
  writeFileSync(page, html);
  const dom = execFileSync(browser, [...flags, `--window-size=${width},200`, "--dump-dom", `file://${page}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 << 20 });
  const bad = dom.match(/data-problems="([^"]*)"/);
  if (bad) throw new Error(`${out}: the Adaptive Card renderer reports: ${bad[1]}`);
  const m = dom.match(/data-height="(\d+)"/);
  if (!m) throw new Error(`${out}: the page did not draw (no data-height)`);
  const height = Number(m[1]);
  execFileSync(browser, [...flags, `--window-size=${width},${height}`, `--screenshot=${join(outDir, out)}`, `file://${page}`], { stdio: "ignore" });
  console.log(`${out}: ${width}x${height}`);
}

mkdirSync(outDir, { recursive: true });
for (const img of images) {
  const payload = JSON.parse(withTimes(readFileSync(join(root, img.golden), "utf8")));
  shoot(img.kind === "slack" ? slackPage(payload, img.command) : teamsPage(payload, img.command), img.out);
}
