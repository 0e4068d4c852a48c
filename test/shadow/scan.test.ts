import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { loadCatalogue } from '../../src/shadow/catalogue.js';
import { createClassifier } from '../../src/shadow/classify.js';
import { parseLogLine } from '../../src/shadow/log-formats.js';
import { createScanner, scanFiles } from '../../src/shadow/scan.js';
import { FIXTURES } from './helpers.js';

const classifier = createClassifier(loadCatalogue());
const fx = (name: string) => join(FIXTURES, name);
const iso = (s: number) => new Date(s * 1000).toISOString();

describe('parseLogLine', () => {
  const cases: Array<[string, string, object | null]> = [
    ['squid CONNECT', '1700000000.123    532 10.1.2.3 TCP_TUNNEL/200 5120 CONNECT api.openai.com:443 - HIER_DIRECT/1.2.3.4 -', { format: 'squid', source: '10.1.2.3', host: 'api.openai.com:443', time: 1700000000123 }],
    ['squid absolute URL', '1700000060.456 12 10.1.2.4 TCP_MISS/200 1234 POST http://u:p@llm.internal:8000/v1/x?y - HIER_DIRECT/10.0.0.5 -', { format: 'squid', host: 'llm.internal:8000', path: '/v1/x?y' }],
    ['combined CONNECT', '10.2.0.1 - - [14/Nov/2023:22:13:20 +0000] "CONNECT api.anthropic.com:443 HTTP/1.1" 200 0 "-" "x"', { format: 'combined', source: '10.2.0.1', host: 'api.anthropic.com:443', time: Date.UTC(2023, 10, 14, 22, 13, 20) }],
    ['combined with a zone offset', '10.2.0.2 - a [14/Nov/2023:23:13:20 +0100] "POST /api/generate HTTP/1.1" 200 5', { host: '', path: '/api/generate', time: Date.UTC(2023, 10, 14, 22, 13, 20) }],
    ['common log without referer/agent', '10.2.0.2 - - [14/Nov/2023:22:13:20 -0030] "GET http://api.x.ai/v1 HTTP/1.0" 200 5', { host: 'api.x.ai', path: '/v1', time: Date.UTC(2023, 10, 14, 22, 43, 20) }],
    ['combined empty request', '10.2.0.5 - - [14/Nov/2023:22:21:00 +0000] "-" 400 0', { host: '' }],
    ['DNS json', '{"ts": 1700000000, "src": "10.3.0.1", "query": "api.openai.com."}', { format: 'json', source: '10.3.0.1', host: 'api.openai.com.', time: 1700000000000 }],
    ['flow json with url', '{"ts":"2023-11-14T22:13:25Z","client":"10.3.0.2","url":"https://h.example/p?q"}', { source: '10.3.0.2', host: 'h.example', path: '/p?q', time: Date.UTC(2023, 10, 14, 22, 13, 25) }],
    ['ms epoch and dest', '{"timestamp": 1700000000123, "source_ip": "10.3.0.3", "dest": "api.groq.com:443"}', { time: 1700000000123, host: 'api.groq.com:443' }],
    ['nested ECS', '{"client":{"ip":"10.3.0.5"},"destination":{"domain":"api.mistral.ai"}}', { source: '10.3.0.5', host: 'api.mistral.ai' }],
    ['json without a target', '{"ts": 1, "src": "10.3.0.6"}', null],
    ['broken json', '{broken', null],
    ['json array', '[1,2]', null],
    ['bad date', '10.2.0.6 - - [99/Xyz/2023:22:21:00 +0000] "GET / HTTP/1.1" 200 0', null],
    ['prose', 'not a log line at all', null],
  ];
  it.each(cases)('%s', (_n, line, expected) => {
    const ev = parseLogLine(line);
    if (expected === null) expect(ev).toBeNull();
    else expect(ev).toMatchObject(expected);
  });
});

describe('scanFiles', () => {
  it('reads a Squid log: CONNECT hosts, absolute URLs, malformed lines counted', async () => {
    const r = await scanFiles([fx('squid-access.log')], { classifier });
    expect(r).toMatchObject({ lines: 7, malformed: 1, shadow: 4, formats: { squid: 6 } });
    expect(r.entries).toEqual([
      { source: '10.1.2.3', host: 'api.openai.com', provider: 'openai', count: 2, firstSeen: iso(1700000000.123), lastSeen: iso(1700000100), signatures: ['host:openai'] },
      { source: '10.1.2.4', host: 'llm.internal', provider: 'openai-compatible', count: 1, firstSeen: iso(1700000060.456), lastSeen: iso(1700000060.456), signatures: ['path:openai-chat'] },
      { source: '10.1.2.6', host: 'bedrock-runtime.us-east-1.amazonaws.com', provider: 'bedrock', count: 1, firstSeen: iso(1700000400), lastSeen: iso(1700000400), signatures: ['host:aws-bedrock'] },
    ]);
  });

  it('reads an nginx combined log incl. CONNECT, absolute URLs and origin-form paths', async () => {
    const r = await scanFiles([fx('nginx-access.log')], { classifier });
    expect(r).toMatchObject({ lines: 9, malformed: 2, shadow: 4 });
    const byKey = Object.fromEntries(r.entries.map((e) => [`${e.source} ${e.host}`, e]));
    expect(byKey['10.2.0.1 api.anthropic.com']).toMatchObject({ count: 2, firstSeen: '2023-11-14T22:13:20.000Z', lastSeen: '2023-11-14T22:20:00.000Z' });
    expect(byKey['10.2.0.2 ollama.lan']).toMatchObject({ count: 1, firstSeen: '2023-11-14T22:13:20.000Z', signatures: ['path:ollama-generate'] });
    expect(byKey['10.2.0.4 (unknown)']).toMatchObject({ count: 1, signatures: ['path:openai-chat'] });
    expect(r.entries).toHaveLength(3); // the weak /api/chat alone is not a shadow call
  });

  it('reads JSON lines from flow and DNS exports', async () => {
    const r = await scanFiles([fx('flows.jsonl')], { classifier });
    expect(r).toMatchObject({ lines: 9, malformed: 3, shadow: 5, formats: { json: 6 } });
    const hosts = r.entries.map((e) => `${e.source}→${e.host}×${e.count}`).sort();
    expect(hosts).toEqual(['10.3.0.1→api.openai.com×2', '10.3.0.2→generativelanguage.googleapis.com×1', '10.3.0.3→api.groq.com×1', '10.3.0.5→api.mistral.ai×1']);
  });

  it('auto-detects the format per line in a mixed CRLF file and reads .gz', async () => {
    const r = await scanFiles([fx('mixed.log'), fx('squid-access.log.gz')], { classifier });
    expect(r.files.map((f) => [f.lines, f.malformed, f.shadow])).toEqual([[5, 0, 2], [7, 1, 4]]);
    expect(r.formats).toEqual({ squid: 7, combined: 1, json: 2 });
  });

  it('skips an over-long line in constant memory and keeps going', async () => {
    const scanner = createScanner({ classifier, maxLineBytes: 1024 });
    const chunks = ['{"src":"a","host":"api.openai.com"}\n', 'x'.repeat(700), 'y'.repeat(700), 'z'.repeat(700), '\n{"src":"b","host":"api.x.ai"}'];
    const stats = await scanner.stream(Readable.from(chunks.map((c) => Buffer.from(c))), 'stream');
    expect(stats).toEqual({ file: 'stream', lines: 3, malformed: 1, shadow: 2 });
  });

  it('splits lines across chunk boundaries', async () => {
    const scanner = createScanner({ classifier });
    const text = '{"src":"a","host":"api.openai.com"}\n{"src":"b","host":"api.x.ai"}\n';
    const chunks = [...text].map((ch) => Buffer.from(ch));
    const stats = await scanner.stream(Readable.from(chunks), 's');
    expect(stats).toMatchObject({ lines: 2, shadow: 2, malformed: 0 });
  });

  it('bounds the report by distinct (source, host) pairs', async () => {
    const scanner = createScanner({ classifier, maxPairs: 2 });
    const lines = ['a', 'b', 'c', 'a'].map((s) => `{"src":"${s}","host":"api.openai.com"}`).join('\n');
    await scanner.stream(Readable.from([Buffer.from(lines)]), 's');
    const r = scanner.report();
    expect(r.entries.map((e) => [e.source, e.count])).toEqual([['a', 2], ['b', 1]]);
    expect(r).toMatchObject({ shadow: 4, dropped: 1 });
  });

  it('fails on a missing file', async () => {
    await expect(scanFiles([fx('nope.log')], { classifier })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(scanFiles([fx('nope.log.gz')], { classifier })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
