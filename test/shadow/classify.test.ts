import { describe, expect, it } from 'vitest';
import { catalogueWith, loadCatalogue, ConfigError } from '../../src/shadow/catalogue.js';
import { createClassifier } from '../../src/shadow/classify.js';

const classifier = createClassifier(loadCatalogue());
const body = (s: string) => Buffer.from(s);

describe('classify: hosts (no DNS, text as written)', () => {
  const cases: Array<[string, string | null]> = [
    ['api.openai.com', 'host:openai'],
    ['API.OpenAI.com.:443', 'host:openai'],
    ['myres.openai.azure.com', 'host:azure-openai'],
    ['a.b.openai.azure.com', 'host:azure-openai'],
    ['us-central1-aiplatform.googleapis.com', 'host:google-vertex'],
    ['bedrock-runtime.eu-west-1.amazonaws.com', 'host:aws-bedrock'],
    ['api.anthropic.com', 'host:anthropic'],
    ['generativelanguage.googleapis.com', 'host:google-gemini'],
    ['api.cohere.com', 'host:cohere'],
    ['router.huggingface.co', 'host:huggingface'],
    ['x1.us-east-1.aws.endpoints.huggingface.cloud', 'host:huggingface'],
    ['openrouter.ai', 'host:openrouter'],
    ['api.openai.com.evil.example', null],
    ['notapi.openai.com', null],
    ['openai.azure.com', null],
    ['bedrock-runtime.amazonaws.com', null],
    ['s3.eu-west-1.amazonaws.com', null],
    ['example.com', null],
  ];
  it.each(cases)('%s → %s', (host, id) => {
    const c = classifier.classify({ host });
    expect(c.matched).toBe(id !== null);
    expect(c.signatures).toEqual(id ? [id] : []);
  });

  it('names the provider of a host signature', () => {
    expect(classifier.classify({ host: 'api.anthropic.com' }).provider).toBe('anthropic');
  });
});

describe('classify: paths', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['/v1/chat/completions', ['path:openai-chat'], true],
    ['/openai/v1/chat/completions?x=1', ['path:openai-chat'], true],
    ['/v1/chat/completions/', ['path:openai-chat'], true],
    ['/v1/messages', ['path:anthropic-messages'], true],
    ['/api/generate', ['path:ollama-generate'], true],
    ['/openai/deployments/gpt4o/chat/completions', ['path:azure-openai-deployments'], true],
    ['/v1beta/models/gemini-1.5-pro:generateContent?key=abc', ['path:gemini-generate'], true],
    ['/model/anthropic.claude-3/invoke', ['path:bedrock-invoke'], true],
    // Weak alone: reported, but not a shadow call.
    ['/api/chat', ['path:ollama-chat'], false],
    ['/v1/chat/completionsx', [], false],
    ['/chat/completions', [], false],
  ];
  it.each(cases)('%s', (path, ids, matched) => {
    const c = classifier.classify({ host: '127.0.0.1', path });
    expect([...c.signatures].sort()).toEqual(ids);
    expect(c.matched).toBe(matched);
  });
});

describe('classify: headers and body through the inspection engine', () => {
  const cases: Array<[string, Record<string, string>, string, string[]]> = [
    ['openai key', { authorization: 'Bearer sk-proj-abc123' }, '', ['header:openai-key']],
    ['bearer scheme in any case', { authorization: 'bearer SK-abc' }, '', ['header:openai-key']],
    ['anthropic key and version', { 'x-api-key': 'sk-ant-api03-xyz', 'anthropic-version': '2023-06-01' }, '', ['header:anthropic-key', 'header:anthropic-version']],
    ['non-provider bearer', { authorization: 'Bearer eyJhbGciOi' }, '', []],
    ['compact messages', {}, '{"model":"m","messages":[{"role":"user","content":"hi"}]}', ['body:openai-messages']],
    ['spaced messages', {}, '{ "messages" : [ { "role" : "user" } ] }', ['body:openai-messages']],
    ['gpt model, spaced', {}, '{"model" : "gpt-4o-mini", "input": "x"}', ['body:openai-model']],
    ['claude model', {}, '{"model":"claude-3-5-sonnet","max_tokens":10}', ['body:anthropic-model']],
    ['ollama prompt', {}, '{"model":"llama3","prompt":"why"}', ['body:open-model', 'body:prompt']],
    ['gemini contents', {}, '{"contents": [{"parts": [{"text": "hi"}]}]}', ['body:gemini-contents']],
    ['unrelated json', {}, '{"model":"sedan","colour":"red"}', []],
    ['prompt without model', {}, '{"prompt":"enter name"}', []],
  ];
  it.each(cases)('%s', (_name, headers, text, ids) => {
    const c = classifier.classify({ host: '127.0.0.1', path: '/x', headers, body: body(text) });
    expect([...c.signatures].sort()).toEqual(ids);
    expect(c.matched).toBe(ids.length > 0);
  });

  it('does not take a header signature from the body, nor a body one from headers', () => {
    const c = classifier.classify({ host: 'h', headers: { 'x-note': '"messages" "role"' }, body: body('\nauthorization: Bearer sk-x\n') });
    expect(c.signatures).toEqual([]);
  });

  it('inspects only the first maxBodyBytes of a body', () => {
    const small = createClassifier(loadCatalogue(), { maxBodyBytes: 16 });
    const text = `${' '.repeat(32)}{"messages":[{"role":"user"}]}`;
    expect(small.classify({ host: 'h', body: body(text) }).matched).toBe(false);
    expect(classifier.classify({ host: 'h', body: body(text) }).matched).toBe(true);
  });

  it('prefers a specific provider over a generic one', () => {
    const c = classifier.classify({ host: 'h', path: '/v1/chat/completions', body: body('{"model":"claude-3"}') });
    expect(c.provider).toBe('anthropic');
  });
});

describe('catalogue extension from config', () => {
  it('adds hosts, paths, headers and body signatures and replaces shipped ids', () => {
    const cat = catalogueWith({
      hosts: ['llm.corp.example', { id: 'openai', provider: 'openai', hosts: ['api.openai.example'] }],
      paths: [{ id: 'tgi', provider: 'tgi', paths: ['/generate_stream'] }],
      headers: [{ id: 'groq-key', provider: 'groq', header: 'Authorization', prefix: 'Bearer gsk_' }],
      body: [{ id: 'tgi-inputs', provider: 'tgi', all: ['"inputs"', '"parameters"'] }],
    });
    const c = createClassifier(cat);
    expect(c.classify({ host: 'llm.corp.example' }).signatures).toEqual(['host:llm.corp.example']);
    expect(c.classify({ host: 'api.openai.example' }).signatures).toEqual(['host:openai']);
    expect(c.classify({ host: 'api.openai.com' }).matched).toBe(false);
    expect(c.classify({ host: 'h', path: '/generate_stream' }).signatures).toEqual(['path:tgi']);
    expect(c.classify({ host: 'h', headers: { authorization: 'Bearer gsk_123' } }).signatures).toEqual(['header:groq-key']);
    expect(c.classify({ host: 'h', body: body('{"inputs":"x","parameters":{}}') }).signatures).toEqual(['body:tgi-inputs']);
  });

  it('finds both anchors when one contains the other (non-overlapping matcher)', () => {
    const cat = catalogueWith({ headers: [{ id: 'any-bearer', header: 'authorization', prefix: 'Bearer ' }] });
    const ids = createClassifier(cat).classify({ host: 'h', headers: { authorization: 'Bearer sk-1' } }).signatures.sort();
    expect(ids).toEqual(['header:any-bearer', 'header:openai-key']);
  });

  const bad: Array<[string, unknown, string]> = [
    ['host glob with wild tail', { hosts: ['api.*'] }, 'egress.signatures.hosts[0]: the last two labels must be literal'],
    ['host with a path', { hosts: ['api.x.com/v1'] }, 'egress.signatures.hosts[0]: expected a host name or glob'],
    ['relative path', { paths: ['v1/x'] }, 'egress.signatures.paths[0]: expected a path starting with "/"'],
    ['path with a query', { paths: ['/x?y'] }, 'may not contain "?"'],
    ['bad id', { hosts: [{ id: 'Bad Id', hosts: ['a.b.c'] }] }, 'egress.signatures.hosts[0].id: expected lower-case'],
    ['short anchor', { body: [{ id: 'b', all: ['"a'] }] }, 'egress.signatures.body[0].all[0]: expected 3 to 64 characters'],
    ['no anchors', { body: [{ id: 'b' }] }, 'needs at least one anchor'],
    ['unknown key', { hosts: [{ id: 'x', hosts: ['a.b.c'], extra: 1 }] }, 'egress.signatures.hosts[0].extra: unknown key'],
    ['unknown section', { urls: [] }, 'egress.signatures.urls: unknown key'],
  ];
  it.each(bad)('rejects %s', (_n, raw, message) => {
    expect(() => catalogueWith(raw)).toThrow(ConfigError);
    expect(() => catalogueWith(raw)).toThrow(message);
  });
});
