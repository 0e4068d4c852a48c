// What the runner checks in each run's `sluice audit replay`: the session was recorded, detected data was masked
// before it reached the provider, and no raw value of the examples' data sets appears in the trail.
const RAW = [/4111[ -]?1111[ -]?1111[ -]?1111/, /5555[ -]?5555[ -]?5555[ -]?4444/, /4012[ -]?8888[ -]?8888[ -]?1881/, /jane@example\.com/, /GB82 ?WEST/, /DE89 ?3704/];
const MASKED = /<(card|email|phone|iban)_[0-9a-f]+>|\*{4}|[a-z]\*\*\*@|\[REDACTED:/;

export function checkReplay(session, r) {
  const problems = [];
  if (r.code !== 0) return [`audit replay ${session} exited ${r.code}: ${r.stderr.trim()}`];
  if (!MASKED.test(r.stdout)) problems.push(`audit replay ${session} shows no masked value`);
  for (const re of RAW) if (re.test(r.stdout)) problems.push(`audit replay ${session} shows a raw value (${re.source})`);
  return problems;
}

/** The first `turns` turns of a replay and a count of the rest (the whole replay can be long for a batch job). */
export function shortReplay(text, turns) {
  const rule = /^─{20,}$/m;
  const parts = text.split(rule);
  if (parts.length <= turns + 1) return text.trimEnd();
  const head = parts.slice(0, turns + 1).join(`${'─'.repeat(100)}`);
  return `${head.trimEnd()}\n${'─'.repeat(100)}\n… ${parts.length - 1 - turns} more turn(s)`;
}
