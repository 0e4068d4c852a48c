// Tool calls: when the request offers tools, the mock "calls" one with arguments built from its schema: the tool
// the last user turn names (as a real model follows "use lookup_order"), else the first one offered.
import type { MockBehaviour } from './types.js';

type Json = Record<string, unknown>;

export interface ToolCall {
  name: string;
  /** JSON text of the arguments. */
  arguments: string;
}

export interface ToolSpec {
  name: string;
  schema: Json | undefined;
}

/** The tools offered, in each API's own tools shape. */
function offeredTools(json: Json): ToolSpec[] {
  const tools = json.tools;
  if (!Array.isArray(tools)) return [];
  const out: ToolSpec[] = [];
  for (const raw of tools as Json[]) {
    // Chat completions nest the function; the responses API and Anthropic keep it flat.
    const fn = (raw?.function as Json | undefined) ?? raw;
    if (typeof fn?.name !== 'string') continue;
    out.push({ name: fn.name, schema: (fn.parameters ?? fn.input_schema) as Json | undefined });
  }
  return out;
}

/** The offered tool whose name `text` mentions (the earliest mention), else the first one offered. */
export function chooseTool(tools: ToolSpec[], text: string): ToolSpec | undefined {
  let chosen: ToolSpec | undefined;
  let at = Infinity;
  for (const t of tools) {
    const i = text.indexOf(t.name);
    if (i !== -1 && i < at) {
      chosen = t;
      at = i;
    }
  }
  return chosen ?? tools[0];
}

function choiceForbidsTools(choice: unknown): boolean {
  return choice === 'none' || (typeof choice === 'object' && choice !== null && (choice as Json).type === 'none');
}

function valueFor(schema: Json | undefined, text: string): unknown {
  switch (schema?.type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return text;
  }
}

/** Arguments that fit the schema: the reply text goes to the first string property so tests can trace it. */
export function argumentsFor(schema: Json | undefined, text: string): Json {
  const props = schema?.properties as Record<string, Json> | undefined;
  if (!props || Object.keys(props).length === 0) return { input: text };
  const out: Json = {};
  let placed = false;
  for (const [key, prop] of Object.entries(props)) {
    const isString = prop?.type === undefined || prop.type === 'string';
    out[key] = isString && !placed ? text : valueFor(prop, isString ? '' : text);
    if (isString) placed = true;
  }
  return out;
}

/** The call to make, or undefined to answer in text. `afterTool`: the turn ends with a tool result. */
export function planToolCall(json: Json, behaviour: MockBehaviour, text: string, afterTool: boolean): ToolCall | undefined {
  if (behaviour.tools === 'none' || afterTool || choiceForbidsTools(json.tool_choice)) return undefined;
  const tool = chooseTool(offeredTools(json), text);
  if (tool === undefined) return undefined;
  return { name: tool.name, arguments: JSON.stringify(argumentsFor(tool.schema, text)) };
}
