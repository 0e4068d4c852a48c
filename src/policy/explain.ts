// `sluice policy explain` and `sluice policy check`: the decision for one request in words, and load errors.
import type { FindingSummary, Identity } from '../types.js';
import { resolveDetectorActions } from './detectors.js';
import { evaluate, type RequestInfo } from './evaluate.js';
import { loadPolicyDir, formatIssue } from './load.js';
import { applicableRules } from './match.js';
import type { Policy } from './types.js';

export interface ExplainOptions {
  /** Size of the request body as sent (defaults to the size of the JSON re-serialized). */
  bodyBytes?: number;
  justification?: string;
  jobHeader?: string;
  /** Findings from the inspection engine; without them only keyword/regex conditions are checked (on the prompt). */
  findings?: FindingSummary[];
  /** Extra lines about how the caller was established (e.g. "token not verified"). */
  notes?: string[];
}

/** `/openai/v1/chat/completions` → connection `openai`, route `chat.completions`. */
export function parsePath(path: string): { connection: string; route: string } {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const connection = parts[0] ?? '';
  const rest = parts.slice(1);
  if (/^v\d+$/.test(rest[0] ?? '')) rest.shift();
  return { connection, route: rest.join('.') };
}

/** Model, tool names and prompt text from an OpenAI- or Anthropic-shaped request body. */
export function describeBody(body: unknown): Pick<RequestInfo, 'model' | 'tools' | 'promptText'> {
  const b = (body ?? {}) as Record<string, unknown>;
  const tools = new Set<string>();
  for (const t of asArray(b.tools)) {
    const name = (t as { function?: { name?: unknown }; name?: unknown }).function?.name ?? (t as { name?: unknown }).name;
    if (typeof name === 'string') tools.add(name);
  }
  const texts: string[] = [];
  for (const m of asArray(b.messages)) {
    const msg = m as { content?: unknown; tool_calls?: unknown };
    collectText(msg.content, texts);
    for (const call of asArray(msg.tool_calls)) {
      const name = (call as { function?: { name?: unknown } }).function?.name;
      if (typeof name === 'string') tools.add(name);
    }
    for (const part of asArray(msg.content)) {
      const p = part as { type?: unknown; name?: unknown };
      if (p.type === 'tool_use' && typeof p.name === 'string') tools.add(p.name);
    }
  }
  for (const key of ['system', 'input', 'prompt', 'instructions']) collectText(b[key], texts);
  return {
    ...(typeof b.model === 'string' ? { model: b.model } : {}),
    ...(tools.size > 0 ? { tools: [...tools] } : {}),
    ...(texts.length > 0 ? { promptText: texts.join('\n') } : {}),
  };
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function collectText(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else for (const part of asArray(v)) {
    const p = part as { text?: unknown; content?: unknown };
    if (typeof part === 'string') out.push(part);
    else if (typeof p.text === 'string') out.push(p.text);
    else if (p.content !== undefined) collectText(p.content, out);
  }
}

export function explain(policy: Policy, identity: Identity | undefined, body: unknown, path: string, opts: ExplainOptions = {}): string {
  const { connection, route } = parsePath(path);
  const meta: RequestInfo = {
    connection, route, ...describeBody(body),
    // As in the gateway: a request body without a readable model cannot pass a model allow-list.
    modelExpected: body !== undefined && body !== null,
    bodyBytes: opts.bodyBytes ?? Buffer.byteLength(JSON.stringify(body ?? null)),
    ...(opts.justification === undefined ? {} : { justification: opts.justification }),
    ...(opts.jobHeader === undefined ? {} : { jobHeader: opts.jobHeader }),
  };
  const d = evaluate(policy, identity, meta, opts.findings ?? []);
  const head = d.outcome === 'block' ? `BLOCK — ${d.reason} [${d.code}]` : d.outcome === 'approve' ? `APPROVE (${d.approval?.mode}, up to ${d.approval?.timeoutSeconds}s) — rule ${d.approval?.rule}` : 'ALLOW';
  const lines = [
    `Decision: ${head}`,
    `Request:  ${path} → connection "${connection}", route ${route || '(none)'}${meta.model ? `, model "${meta.model}"` : ''}${meta.tools ? `, tools [${meta.tools.join(', ')}]` : ''}, ${meta.bodyBytes} bytes`,
    ...(opts.notes ?? []).map((n) => `Note:     ${n}`),
    `Rules:    ${d.rules.length > 0 ? d.rules.map((id) => ruleWhere(policy, id)).join(', ') : '(none)'}`,
    'Steps:',
    ...d.explanation.map((s, i) => `  ${i + 1}. ${s}`),
  ];
  const who = d.identity ?? identity;
  if (who) lines.push('Detectors (known before the body is scanned):', ...detectorLines(policy, who, connection));
  if (!opts.findings) lines.push('Note:     detector findings were not computed here; keyword and regex conditions were checked on the prompt text.');
  lines.push(`Policy:   ${policy.files.join(', ')} (digest ${policy.digest.slice(0, 12)})`);
  return lines.join('\n');
}

function ruleWhere(policy: Policy, id: string): string {
  const rule = policy.rules.find((r) => r.id === id);
  return rule ? `${id} (${rule.at.file}:${rule.at.line})` : id;
}

/** One line per source (catalogue default, rule X, condition of rule X): `id → action, …`. */
function detectorLines(policy: Policy, who: Identity, connection: string): string[] {
  const bySource = new Map<string, string[]>();
  for (const [id, a] of resolveDetectorActions(policy, applicableRules(policy, who, connection))) {
    const source = a.why === 'catalogue' ? 'catalogue default' : a.why === 'rule' ? `rule ${a.rule}` : `needed by a condition of rule ${a.rule}`;
    bySource.set(source, [...(bySource.get(source) ?? []), `${id} → ${a.action}`]);
  }
  if (bySource.size === 0) return ['  (none)'];
  return [...bySource].map(([source, list]) => `  ${source}: ${list.join(', ')}`);
}

/** `sluice policy check`: every problem as `file:line: key: message`; empty when the policy loads. */
export async function checkCommand(dir: string): Promise<string[]> {
  const result = await loadPolicyDir(dir);
  return result.ok ? [] : result.issues.map(formatIssue);
}
