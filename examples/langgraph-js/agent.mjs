#!/usr/bin/env node
// A LangGraph.js support agent whose model calls go through Sluice. The graph is the usual tool loop (agent →
// tools → agent … → END) with a checkpointer, so a thread keeps its conversation across turns. What Sluice adds:
// - the thread id is sent as `x-sluice-session`, so `sluice audit replay <thread id>` shows the whole run;
// - the agent authenticates as a client_credentials service account (group `agents`), refreshed before expiry;
// - the order a tool returns carries a card number and an e-mail: the provider only ever sees them masked;
// - the `archive_case` tool writes to an s3:// location, and the model call that carries that tool call and its
//   result waits for a reviewer (the `agents` rule holds prompts naming `s3://`): the run pauses, then goes on.
//
//   node agent.mjs        # against `npm start` (SLUICE_URL, SLUICE_CLIENT_ID … to point elsewhere; see README.md)
import { randomUUID } from 'node:crypto';
import { ChatOpenAI } from '@langchain/openai';
import { tool } from '@langchain/core/tools';
import { SystemMessage } from '@langchain/core/messages';
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { ClientCredentials, settingsFromEnv } from '../lib/client-credentials.mjs';

const cfg = settingsFromEnv({ clientId: 'support-agent', clientSecret: 'demo-support-agent-secret' });
// The longest a reviewer may hold one call under the agents rule (policies/default.yaml: timeoutSeconds 600).
const HOLD_SECONDS = Number(process.env.SLUICE_HOLD_SECONDS ?? 600);

const tokens = new ClientCredentials(cfg);
const model = new ChatOpenAI({
  model: cfg.model,
  temperature: 0,
  // The SDK insists on a key; the fetch below sends the current access token instead (and refreshes after a 401).
  apiKey: 'set-by-fetch',
  configuration: { baseURL: `${cfg.url}/v1`, fetch: tokens.fetchWithAuth() },
  // A held call must outlive the hold: the SDK's default (600 s) equals it, so a minute more.
  timeout: (HOLD_SECONDS + 60) * 1000,
  // LangChain retries 6 times by default; a timed-out held call that is retried joins the same approval
  // (approvals.rejoinSeconds), but a run that waits 11 minutes should fail, not start over 6 times.
  maxRetries: 2,
});

// The support desk's back office, as the agent's tools see it (raw data: Sluice masks it on the way out).
const ORDERS = {
  1042: { customer: 'jane@example.com', card: '4111 1111 1111 1111', charges: ['49.00 EUR on 2026-11-28 09:14', '49.00 EUR on 2026-11-28 09:15'] },
};
const archived = [];

const lookupOrder = tool(
  async ({ request }) => {
    const id = /\b(\d{4})\b/.exec(request)?.[1];
    const order = ORDERS[id];
    return order ? `order ${id}: customer ${order.customer}, card ${order.card}, charges: ${order.charges.join('; ')}` : `no order found in "${request}"`;
  },
  {
    name: 'lookup_order',
    description: 'Find an order by its number and return the customer, the card used and the charges.',
    schema: { type: 'object', properties: { request: { type: 'string', description: 'what to look up, with the order number' } }, required: ['request'] },
  },
);

const archiveCase = tool(
  async ({ note }) => {
    const location = `s3://support-archive/cases/1042-${archived.length + 1}.json`;
    archived.push({ location, note });
    return `case 1042 archived to ${location} with the note "${note}"`;
  },
  {
    name: 'archive_case',
    description: 'Close the case and file it in the support archive with a note.',
    schema: { type: 'object', properties: { note: { type: 'string', description: 'the closing note' } }, required: ['note'] },
  },
);

const tools = [lookupOrder, archiveCase];
const llm = model.bindTools(tools);
const SYSTEM = new SystemMessage('You are a support agent. Use the tools; answer in one or two sentences.');

/** The model step. The thread id becomes `x-sluice-session` on every call the thread makes. */
async function agent(state, config) {
  const session = config.configurable.thread_id;
  const reply = await llm.invoke([SYSTEM, ...state.messages], { options: { headers: { 'x-sluice-session': session } } });
  return { messages: [reply] };
}

const graph = new StateGraph(MessagesAnnotation)
  .addNode('agent', agent)
  .addNode('tools', new ToolNode(tools))
  .addEdge(START, 'agent')
  .addConditionalEdges('agent', toolsCondition, ['tools', END])
  .addEdge('tools', 'agent')
  .compile({ checkpointer: new MemorySaver() });

const threadId = process.env.SLUICE_SESSION ?? `support-thread-${randomUUID().slice(0, 8)}`;
const turns = [
  'Order 1042: the customer says she was charged twice. Look it up with lookup_order and tell me what you find.',
  'The duplicate charge was refunded. Close the case with archive_case.',
];

console.log(`thread ${threadId} (x-sluice-session), gateway ${cfg.url}, client ${cfg.clientId}`);
let toolCalls = 0;
let seen = 0;
const started = Date.now();
for (const [i, text] of turns.entries()) {
  console.log(`\n--- turn ${i + 1}: user: ${text}`);
  const t0 = Date.now();
  const state = await graph.invoke({ messages: [{ role: 'user', content: text }] }, { configurable: { thread_id: threadId } });
  for (const m of state.messages.slice(seen + 1)) {
    if (m.tool_calls?.length) {
      for (const c of m.tool_calls) console.log(`    model calls ${c.name}(${JSON.stringify(c.args)})`);
      toolCalls += m.tool_calls.length;
    } else if (m.getType() === 'tool') console.log(`    tool ${m.name} → ${m.content}`);
    else console.log(`    model: ${m.content}`);
  }
  seen = state.messages.length;
  console.log(`    (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

const answers = (await graph.getState({ configurable: { thread_id: threadId } })).values.messages.filter((m) => m.getType() === 'ai' && !m.tool_calls?.length);
const leaked = answers.some((m) => /4111[ -]?1111|jane@example\.com/.test(String(m.content)));
console.log(`\n${turns.length} turns, ${toolCalls} tool calls, ${archived.length} case(s) archived, ${tokens.stats.fetched} token(s) fetched, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`the model's answers ${leaked ? 'CONTAIN' : 'never contain'} the raw card number or e-mail`);
console.log(`replay: node bin/sluice.js audit replay ${threadId}`);
console.log(`RESULT ${JSON.stringify({ sessions: [threadId], turns: turns.length, toolCalls, archived: archived.length, answers: answers.length, leaked, tokensFetched: tokens.stats.fetched })}`);
