import { describe, expect, it } from 'vitest';
import { createRestoreStage } from '../../src/response/restore.js';
import { twoWaySplits } from './helpers.js';

const vault: Record<string, string> = { '<card_7f3a9c>': '4111 1111 1111 1111', '<pw_01ab>': 'a"b\\c' };
const restore = (t: string) => t.replace(/<[A-Za-z0-9_]+>/g, (tok) => vault[tok] ?? tok);

function through(parts: string[], json = false, maxTokenChars = 64): string {
  const s = createRestoreStage(restore, { json, maxTokenChars });
  return parts.map((p) => s.push(p)).join('') + s.end();
}

describe('restore stage', () => {
  const text = 'use <card_7f3a9c> and <other_1> or a<b then <card_7f3a9c>';
  it('restores tokens split at every point and leaves foreign tokens alone', () => {
    for (const parts of twoWaySplits(text)) {
      expect(through(parts)).toBe('use 4111 1111 1111 1111 and <other_1> or a<b then 4111 1111 1111 1111');
    }
  });

  it('restores a token delivered one character at a time', () => {
    expect(through([...'x<card_7f3a9c>y'])).toBe('x4111 1111 1111 1111y');
  });

  it('releases a `<` run at once when it cannot be a token', () => {
    const s = createRestoreStage(restore, { json: false, maxTokenChars: 64 });
    expect(s.push('a <b c')).toBe('a <b c');
    expect(s.push('x <card_7f')).toBe('x ');
    expect(s.push('3a9c> ')).toBe('4111 1111 1111 1111 ');
  });

  it('stops holding once the run is longer than any token', () => {
    const s = createRestoreStage(restore, { json: false, maxTokenChars: 8 });
    expect(s.push('<abcdefgh')).toBe('<abcdefgh');
  });

  it('escapes restored values inside JSON strings', () => {
    const args = '{"p":"<pw_01ab>","c":"<card_7f3a9c>"}';
    for (const parts of twoWaySplits(args)) {
      const out = through(parts, true);
      expect(JSON.parse(out)).toEqual({ p: 'a"b\\c', c: '4111 1111 1111 1111' });
    }
  });
});
