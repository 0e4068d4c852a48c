import { describe, expect, it } from 'vitest';
import { withModel } from '../../src/routing/rewrite.js';

const rewrite = (body: string, model: string) => {
  const out = withModel(Buffer.from(body), model);
  return out === undefined ? undefined : Buffer.from(out).toString();
};

describe('model rewrite', () => {
  it.each([
    ['first key', '{"model":"gpt-4o-mini","messages":[]}', '{"model":"eu-mini","messages":[]}'],
    ['spaces', '{ "messages": [], "model" : "gpt-4o-mini" }', '{ "messages": [], "model" : "eu-mini" }'],
    ['nested model keys are left alone', '{"tools":[{"parameters":{"model":"x"}}],"model":"gpt-4o-mini"}', '{"tools":[{"parameters":{"model":"x"}}],"model":"eu-mini"}'],
    ['nested first, top level later', '{"metadata":{"model":"a"},"model":"b","x":{"model":"c"}}', '{"metadata":{"model":"a"},"model":"eu-mini","x":{"model":"c"}}'],
    ['a quoted "model" in text is not a key', '{"messages":[{"content":"the \\"model\\": is"}],"model":"m"}', '{"messages":[{"content":"the \\"model\\": is"}],"model":"eu-mini"}'],
    ['escaped text elsewhere', '{"messages":[{"content":"caf\\u00e9"}],"model":"m"}', '{"messages":[{"content":"caf\\u00e9"}],"model":"eu-mini"}'],
    ['a value with escapes', '{"model":"a\\"b"}', '{"model":"eu-mini"}'],
  ])('%s', (_name, body, expected) => {
    expect(rewrite(body, 'eu-mini')).toBe(expected);
    expect(JSON.parse(expected).model).toBe('eu-mini');
  });

  it('a key spelled with escapes is not found (the caller refuses to route it)', () => {
    expect(rewrite('{"mod\\u0065l":"gpt-4o-mini","x":{"model":"y"}}', 'eu')).toBeUndefined();
  });

  it('JSON-escapes the new name', () => {
    expect(JSON.parse(rewrite('{"model":"a"}', 'we"ird')!).model).toBe('we"ird');
  });
});
