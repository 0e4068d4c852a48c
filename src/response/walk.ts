// Targeted walkers over provider response objects: they rewrite, in place, exactly the fields that
// carry generated text (assistant text, refusals, reasoning summaries, tool-call arguments) and
// leave ids, names, signatures and opaque blobs alone so clients and multi-turn replays keep working.

/** Masks one string; `json` marks text that is itself JSON source (tool-call arguments). */
export type MaskFn = (text: string, json: boolean) => string;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function maskField(o: Obj, key: string, mask: MaskFn, json = false): void {
  const v = o[key];
  if (typeof v === 'string' && v !== '') o[key] = mask(v, json);
}

/** Every string value (not key) in a JSON value: Anthropic `tool_use.input`, parsed arguments. */
export function maskDeep(value: unknown, mask: MaskFn): unknown {
  if (typeof value === 'string') return value === '' ? value : mask(value, false);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = maskDeep(value[i], mask);
    return value;
  }
  if (isObj(value)) for (const k of Object.keys(value)) value[k] = maskDeep(value[k], mask);
  return value;
}

/**
 * Complete tool-call arguments: parsed so escapes such as `\u0034` cannot hide a value, and
 * re-serialized only if a value changed; text that is not JSON is masked as JSON source text.
 */
export function maskArguments(args: string, mask: MaskFn): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return mask(args, true);
  }
  const before = JSON.stringify(parsed);
  const after = JSON.stringify(maskDeep(parsed, mask));
  return after === before ? args : after;
}

function maskArgsField(o: unknown, mask: MaskFn): void {
  if (isObj(o) && typeof o.arguments === 'string' && o.arguments !== '') o.arguments = maskArguments(o.arguments, mask);
}

function eachObj(v: unknown, fn: (o: Obj) => void): void {
  if (Array.isArray(v)) for (const x of v) if (isObj(x)) fn(x);
}

/** `choices[].message` of a chat completion. */
export function maskChatMessage(m: Obj, mask: MaskFn): void {
  if (Array.isArray(m.content)) eachObj(m.content, (p) => maskField(p, 'text', mask));
  else maskField(m, 'content', mask);
  for (const k of ['refusal', 'reasoning_content', 'reasoning']) maskField(m, k, mask);
  if (isObj(m.audio)) maskField(m.audio, 'transcript', mask);
  eachObj(m.tool_calls, (tc) => maskArgsField(tc.function, mask));
  maskArgsField(m.function_call, mask);
}

/** `choices[]` of a chat completion (`message`) or legacy completion (`text`). */
export function maskChoices(choices: unknown, mask: MaskFn): void {
  eachObj(choices, function maskChoice(c) {
    if (isObj(c.message)) maskChatMessage(c.message, mask);
    maskField(c, 'text', mask);
    // Log-probabilities repeat the raw tokens and cannot be masked consistently: drop them.
    if (c.logprobs != null) c.logprobs = null;
  });
}

/** One Responses API output item (`message`, `function_call`, `reasoning`, `custom_tool_call`). */
export function maskResponseItem(item: Obj, mask: MaskFn): void {
  eachObj(item.content, maskResponsePart(mask));
  eachObj(item.summary, (p) => maskField(p, 'text', mask));
  maskArgsField(item, mask);
  if (item.type === 'custom_tool_call') maskField(item, 'input', mask);
}

/** One Responses API content part (`output_text`, `refusal`, `reasoning_text`). */
export function maskResponsePart(mask: MaskFn): (p: Obj) => void {
  return function maskPart(p) {
    maskField(p, 'text', mask);
    maskField(p, 'refusal', mask);
    if (Array.isArray(p.logprobs)) p.logprobs = [];
  };
}

/** A whole Responses API `response` object. */
export function maskResponseObject(r: Obj, mask: MaskFn): void {
  eachObj(r.output, (item) => maskResponseItem(item, mask));
  maskField(r, 'output_text', mask);
}

/** One Anthropic content block (`text`, `thinking`, `tool_use`, `server_tool_use`). */
export function maskAnthropicBlock(b: Obj, mask: MaskFn): void {
  maskField(b, 'text', mask);
  maskField(b, 'thinking', mask);
  if (b.input !== undefined) b.input = maskDeep(b.input, mask);
}

/** An Anthropic message (`content[]`). */
export function maskAnthropicMessage(m: Obj, mask: MaskFn): void {
  eachObj(m.content, (b) => maskAnthropicBlock(b, mask));
}

/** Provider error bodies can echo request text back. */
export function maskErrorObject(e: unknown, mask: MaskFn): void {
  if (isObj(e)) maskField(e, 'message', mask);
}

export { isObj };
