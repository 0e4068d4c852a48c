import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, SluiceError, errorBody, toSluiceError } from '../src/errors.js';

describe('errors', () => {
  it('docs/errors.md lists every code with its status', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, spec] of Object.entries(ERRORS)) expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
  });

  it('renders the OpenAI and Anthropic shapes', () => {
    const e = new SluiceError('SLUICE_QUOTA_EXCEEDED', 'Quota used up', { details: { approval_id: undefined } });
    expect(JSON.parse(errorBody(e, 'openai'))).toMatchObject({ error: { message: 'Quota used up', type: 'rate_limit_exceeded', code: 'SLUICE_QUOTA_EXCEEDED' } });
    expect(JSON.parse(errorBody(e, 'anthropic'))).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: 'Quota used up' } });
  });

  it('hides the message of unknown errors', () => {
    const e = toSluiceError(new Error('ECONNREFUSED 10.0.0.1 secret=abc'));
    expect(e.status).toBe(500);
    expect(errorBody(e, 'openai')).not.toContain('secret');
  });
});
