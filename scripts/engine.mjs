// Prints the HTTP engine `server.engine: auto` picks with the running Node (CI logs it before each run).
// usage: node scripts/engine.mjs   (after `npm run build:ts`)
const { chooseEngine } = await import('../dist/http/engine.js');
const env = { ...process.env };
const c = chooseEngine('auto', { env });
process.stdout.write(`engine on Node ${process.versions.node}: ${c.name} — ${c.build} (${c.reason})\n`);
