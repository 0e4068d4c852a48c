// The official openai v6 SDK against the mock directly (no gateway): every shape the gateway will relay.
import { describe, expect, it } from 'vitest';
import { openaiFor, useMockProvider } from '../helpers/mock.js';

const mock = useMockProvider();
const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};

describe('openai SDK: chat completions', () => {
  it('JSON: echoes the last user message and reports usage', async () => {
    const client = openaiFor(mock().url);
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'card 4242 4242 4242 4242' }] },
      ],
    });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.choices[0].message.content).toBe('You said: card 4242 4242 4242 4242');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage?.total_tokens).toBeGreaterThan(0);
    expect(res._request_id).toMatch(/^req_mock_/);
  });

  it('stream: many small deltas that add up to the reply, then a usage chunk when asked', async () => {
    const client = openaiFor(mock().url);
    const stream = await client.chat.completions.create({
      model: 'gpt-mock',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me a few words please' }],
    });
    const deltas: string[] = [];
    let usageTotal = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) deltas.push(chunk.choices[0].delta.content);
      if (chunk.usage) {
        expect(chunk.choices).toEqual([]);
        usageTotal = chunk.usage.total_tokens;
      }
    }
    expect(deltas.join('')).toBe('You said: stream me a few words please');
    expect(deltas.length).toBeGreaterThan(5);
    expect(usageTotal).toBeGreaterThan(0);
  });

  it('stream helper: tool call arguments arrive in pieces and parse to the schema', async () => {
    const client = openaiFor(mock().url);
    const runner = client.chat.completions.stream({
      model: 'gpt-mock',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool],
    });
    let argDeltas = 0;
    runner.on('tool_calls.function.arguments.delta', () => argDeltas++);
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'You said: weather in Paris?', days: 1 });
    expect(argDeltas).toBeGreaterThan(1);
  });

  it('answers in text once the conversation ends with a tool result (agent loops terminate)', async () => {
    const client = openaiFor(mock().url);
    const res = await client.chat.completions.create({
      model: 'gpt-mock',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
    });
    expect(res.choices[0].message.content).toBe('Tool result: sunny');
  });

  it('stream with n=2: both choices complete with the same text', async () => {
    const client = openaiFor(mock().url);
    const final = await client.chat.completions
      .stream({ model: 'gpt-mock', n: 2, messages: [{ role: 'user', content: 'two of them' }] })
      .finalChatCompletion();
    expect(final.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'You said: two of them'],
      [1, 'You said: two of them'],
    ]);
  });
});

describe('openai SDK: responses', () => {
  it('create: output_text is the echo', async () => {
    const res = await openaiFor(mock().url).responses.create({ model: 'gpt-mock', input: 'hello responses' });
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('You said: hello responses');
    expect(res.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('stream: deltas accumulate into the final response', async () => {
    const stream = openaiFor(mock().url).responses.stream({
      model: 'gpt-mock',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream the responses api' }] }],
    });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    // The stream helper does not add the `output_text` convenience: read the message item.
    const item = final.output[0];
    if (item.type !== 'message' || item.content[0].type !== 'output_text') throw new Error('expected an output_text message');
    expect(item.content[0].text).toBe('You said: stream the responses api');
    expect(deltas.join('')).toBe(item.content[0].text);
    expect(deltas.length).toBeGreaterThan(3);
  });

  it('stream with tools: a function_call item with streamed arguments', async () => {
    const stream = openaiFor(mock().url).responses.stream({
      model: 'gpt-mock',
      input: 'weather in Rome',
      tools: [{ type: 'function', name: 'get_weather', strict: false, parameters: weatherTool.function.parameters }],
    });
    const final = await stream.finalResponse();
    const item = final.output[0];
    expect(item.type).toBe('function_call');
    if (item.type !== 'function_call') throw new Error('expected a function_call');
    expect(JSON.parse(item.arguments)).toEqual({ city: 'You said: weather in Rome', days: 1 });
  });
});

describe('openai SDK: completions, embeddings, models', () => {
  it('legacy completions, JSON and stream', async () => {
    const client = openaiFor(mock().url);
    const json = await client.completions.create({ model: 'gpt-mock-instruct', prompt: 'complete me' });
    expect(json.choices[0].text).toBe('You said: complete me');
    const stream = await client.completions.create({ model: 'gpt-mock-instruct', prompt: 'complete me', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('You said: complete me');
  });

  it('embeddings: the SDK default (base64) decodes to the same unit vectors as float', async () => {
    const m = mock();
    const client = openaiFor(m.url);
    m.clear();
    const b64 = await client.embeddings.create({ model: 'text-embedding-mock', input: ['alpha', 'beta'] });
    expect(JSON.parse(m.received[0].body).encoding_format).toBe('base64');
    const float = await client.embeddings.create({ model: 'text-embedding-mock', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(b64.data).toHaveLength(2);
    for (const i of [0, 1]) {
      const v = b64.data[i].embedding;
      expect(v).toHaveLength(64);
      v.forEach((x, j) => expect(x).toBeCloseTo(float.data[i].embedding[j], 6));
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    expect(b64.data[0].embedding).not.toEqual(b64.data[1].embedding);
  });

  it('embeddings honour dimensions', async () => {
    const res = await openaiFor(mock().url).embeddings.create({ model: 'm', input: 'x', dimensions: 8, encoding_format: 'float' });
    expect(res.data[0].embedding).toHaveLength(8);
  });

  it('models.list', async () => {
    const ids: string[] = [];
    for await (const model of openaiFor(mock().url).models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-mock');
  });
});
