// Parses Adaptive Cards the way Teams clients do and reports every
// validation problem; exits non-zero if any card has one.
const fs = require("fs");
const AC = require("adaptivecards/dist/adaptivecards.js");
let bad = 0;
for (const file of process.argv.slice(2)) {
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
  if (problems.length) { bad++; console.log(file + ":\n  " + problems.join("\n  ")); }
  else console.log(file + ": ok (" + card.getItemCount() + " items, version " + card.version + ")");
}
process.exit(bad ? 1 : 0);
