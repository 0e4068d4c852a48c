// The `egress` section of sluice.yaml: its part of the one config schema, the types and the defaults.
import * as v from 'valibot';
import { at, bool, def, int, oneOf, opt, pattern, section, str, text } from '../config/kit.js';
import { parseSection } from '../config/problems.js';
import { SignaturesSchema } from './catalogue-schema.js';
import { SHADOW_ACTIONS, type ShadowAction } from './policy.js';
import { parseHostRule } from './rules.js';

const baseUrl = () =>
  v.pipe(
    text(),
    v.check((s) => {
      if (!URL.canParse(s)) return false;
      const u = new URL(s);
      return ['http:', 'https:'].includes(u.protocol) && !u.search && !u.hash && !u.username && !u.password;
    }, 'expected an http(s) base URL without query, fragment or credentials'),
    v.transform((s) => s.replace(/\/+$/, '')),
  );
const prefix = () => pattern(/^(\/[A-Za-z0-9._-]+)+$/, 'a path prefix such as "/v1"');
const action = () => oneOf(SHADOW_ACTIONS);

const policy = section({
  default: def(action(), 'block', 'Action for shadow calls no rule names: `allow`, `log`, `block` or `route` (through the gateway).'),
  hosts: def(
    v.pipe(
      v.record(v.string(), action(), 'expected a mapping'),
      // Host rules are keyed by their canonical form, so `LOCALHOST.` and `localhost` are one rule, not two.
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const out: Record<string, ShadowAction> = {};
        for (const [key, a] of Object.entries(dataset.value)) {
          const rule = parseHostRule(key, a);
          if (typeof rule === 'string') addIssue({ message: rule, path: at(key), input: key });
          else if (rule.pattern in out) addIssue({ message: `duplicate of another rule for "${rule.pattern}"`, path: at(key), input: key });
          else out[rule.pattern] = a;
        }
        return dataset.issues ? NEVER : out;
      }),
    ),
    {},
    { description: 'Host, address, CIDR range or glob (optionally `:port`) → action; wins over signature rules.', examples: [{ '*.openai.azure.com': 'allow', 'redis.internal:6379': 'allow' }] },
  ),
  signatures: def(
    v.pipe(
      v.record(pattern(/^(host|path|header|body|\*):?[a-z0-9._*-]*$/i, 'a signature id such as "host:openai" or a glob such as "header:*"'), action(), 'expected a mapping'),
      v.transform((m) => Object.fromEntries(Object.entries(m).map(([k, x]) => [k.toLowerCase(), x]))),
    ),
    {},
    { description: 'Signature id or glob → action; when several apply the strictest wins.', examples: [{ 'header:*': 'route' }] },
  ),
}, 'What the proxy does with a shadow call.');

export const EgressSchema = v.pipe(
  section({
    enabled: def(bool(), false, 'Run the egress (forward) proxy.'),
    host: def(str(), '127.0.0.1', 'Listen address: the proxy binds here only.'),
    port: def(int(0, 65535), 3128, 'Listen port; `0` picks a free port.'),
    gatewayUrl: opt(baseUrl(), { description: "Sluice's own base URL, named in block messages and the target of `route` (default: the gateway's listen URL).", examples: ['http://sluice.internal:8080'] }),
    requireAuth: def(bool(), false, 'Refuse (407) callers without `Proxy-Authorization` instead of recording their address only.'),
    policy,
    routes: section({
      openai: def(prefix(), '/v1', 'Gateway path prefix for OpenAI-shaped calls routed through Sluice.'),
      anthropic: def(prefix(), '/anthropic/v1', 'Gateway path prefix for Anthropic-shaped calls routed through Sluice.'),
    }, 'Where `route` sends calls, per API shape.'),
    maxInspectBytes: def(int(1024, 64 * 1024 * 1024), 1024 * 1024, 'Request body bytes inspected for signatures (the rest streams through unread).'),
    connectTimeoutMs: def(int(100, 120_000), 10_000, 'Connecting to the destination.'),
    upstreamTimeoutMs: def(int(1000, 3_600_000), 300_000, 'Upstream response headers and body idle limit for plain-HTTP forwarding.'),
    tunnelIdleMs: def(int(0, 86_400_000), 300_000, 'Idle CONNECT tunnels are closed after this long (`0`: never).'),
    summaryMaxPairs: def(int(1, 10_000_000), 10_000, 'Distinct (source, host) pairs kept for `GET /sluice/shadow`.'),
    signatures: SignaturesSchema,
  }, 'Shadow-AI egress proxy (docs/shadow-ai.md).'),
  v.forward(v.partialCheck([['policy', 'default'], ['gatewayUrl']], (e) => e.policy.default !== 'route' || e.gatewayUrl !== undefined, '"route" needs egress.gatewayUrl'), ['policy', 'default']),
);

export type EgressConfig = v.InferOutput<typeof EgressSchema>;

export const EGRESS_DEFAULTS = Object.freeze(v.parse(EgressSchema, undefined));

/** Validates an `egress` section given in code; throws a ConfigError listing every problem. */
export function readEgressConfig(raw: unknown): EgressConfig {
  return parseSection(EgressSchema, raw, ['egress']);
}
