#!/usr/bin/env bash
# The operator's install, end to end: `npm pack`, then in an empty folder `npm install --omit=dev` of the tarball (no
# compilers, no build step), `sluice start`, one request with a card number through the demo provider that must come
# back masked, `sluice audit verify`, and SIGTERM. usage: scripts/pack-check.sh   (node and npm from PATH)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-pack-XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
say() { echo "pack-check: $*"; }

say "node $(node --version), npm $(npm --version)"
tgz=$(cd "$repo" && npm pack --silent --pack-destination "$work" 2>/dev/null | tail -1)
say "packed $tgz ($(du -h "$work/$tgz" | cut -f1))"
tar -tzf "$work/$tgz" > "$work/files.txt"
grep -q '^package/dist/cli/index.js$' "$work/files.txt" || { say "tarball has no dist/"; exit 1; }
grep -q '^package/build/matcher.wasm$' "$work/files.txt" || { say "tarball has no compiled WASM"; exit 1; }
# Sources and tests stay out; the console's static assets (read at run time from src/console/assets) go in.
if grep -E '^package/(src|test|bench)/' "$work/files.txt" | grep -qv '^package/src/console/assets/'; then say "tarball carries sources or tests"; exit 1; fi
say "$(wc -l < "$work/files.txt") files"

mkdir "$work/app" && cd "$work/app"
echo '{"name":"sluice-deploy","private":true}' > package.json
npm install --omit=dev --no-audit --no-fund --loglevel=error "$work/$tgz" >install.log 2>&1 || { cat install.log; say "install failed"; exit 1; }
for dev in typescript assemblyscript vitest; do
  [ ! -e "node_modules/$dev" ] || { say "dev dependency $dev was installed"; exit 1; }
done
sluice=./node_modules/.bin/sluice
$sluice --version

ports=$(node -e "const n=require('node:net');const p=[];(async()=>{for(let i=0;i<1;i++){const s=n.createServer();await new Promise(r=>s.listen(0,'127.0.0.1',r));p.push(s.address().port);s.close()}console.log(p.join(' '))})()")
mock=$ports
cat > sluice.yaml <<YAML
server: { host: 127.0.0.1, port: 0 }
demo: { enabled: true, dir: ./demo, mockProviderPort: $mock }
connections:
  - { name: openai, provider: openai, baseUrl: "http://127.0.0.1:$mock/v1", credential: demo-key, default: true }
policies: { dir: ./node_modules/sluice/policies, watch: false }
audit: { dir: ./audit }
logging: { level: warn }
YAML
$sluice check-config --config sluice.yaml
$sluice start --config sluice.yaml 2>start.log &
pid=$!
for _ in $(seq 1 200); do grep -q 'listening on' start.log && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
grep -q 'listening on' start.log || { cat start.log; say "gateway did not start"; exit 1; }
grep 'HTTP engine' start.log
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' start.log)
token=$($sluice token --config sluice.yaml --group analysts --sub ops)
URL=$url TOKEN=$token node -e '
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "card 4111 1111 1111 1111 please" }] });
  fetch(`${process.env.URL}/v1/chat/completions`, { method: "POST", body, headers: { authorization: `Bearer ${process.env.TOKEN}`, "content-type": "application/json" } })
    .then(async (r) => {
      const text = await r.text();
      if (r.status !== 200) throw new Error(`status ${r.status}: ${text}`);
      if (/4111 1111 1111 1111/.test(text) || !/1111/.test(text)) throw new Error(`not masked: ${text}`);
      console.log("pack-check: masked response:", JSON.parse(text).choices[0].message.content);
    })
    .catch((e) => { console.error("pack-check:", e.message); process.exit(1); });
'
kill -TERM "$pid"
wait "$pid"
pid=
$sluice audit verify --config sluice.yaml
say "ok"
