// Bindings to build/matcher.wasm: one synchronous instance per thread (main or worker), a memory
// layout owned here, and buffers reused across calls. Strings are encoded straight into WASM
// memory with TextEncoder.encodeInto; no per-byte JavaScript loops.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

// Node's globals include WebAssembly, but this project's lib settings (ES2023, no DOM) do not type it.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
};
type WasmModule = { readonly __wasmModule?: never };

interface MatcherExports {
  memory: WasmMemory;
  heapBase(): number;
  init(): void;
  usePatterns(ptr: number): void;
  scan(text: number, len: number, out: number, outCap: number, enabled: number, flags: number): number;
  pending(): number;
  prefilter(text: number, len: number, enabled: number): number;
  walkJson(inp: number, n: number, out: number, atoms: number, aCap: number, toks: number, tCap: number, meta: number, mCap: number): number;
  jsonAtomCount(): number;
  jsonTokenCount(): number;
  jsonMetaCount(): number;
}

/** Zero bytes kept after every buffer: the SIMD loop reads up to 18 bytes past the end. */
const PAD = 64;
const PAGE = 65536;

export type WasmFlavor = 'simd' | 'nosimd';

/** The directory holding package.json, found by walking up from this module (src/ or dist/). */

export { packageRoot };

const modules = new Map<WasmFlavor, WasmModule>();

function loadModule(flavor: WasmFlavor): WasmModule {
  let mod = modules.get(flavor);
  if (!mod) {
    const file = flavor === 'simd' ? 'matcher.wasm' : 'matcher-nosimd.wasm';
    const path = join(packageRoot(), 'build', file);
    if (!existsSync(path)) throw new Error(`sluice: ${path} is missing; run \`npm run build:wasm\``);
    mod = new WebAssembly.Module(readFileSync(path));
    modules.set(flavor, mod);
  }
  return mod;
}

const align = (n: number, a = 16): number => Math.ceil(n / a) * a;

export interface JsonWalk {
  /** Length of the decoded scan buffer, or -1 when the body is not valid JSON. */
  length: number;
}

export class Matcher {
  private readonly x: MatcherExports;
  private mem: Uint8Array;
  private table: Uint8Array | null = null;
  private tableAt = 0;
  private tableCap = 64 * 1024;
  private inAt = 0;
  private inCap = 0;
  private textAt = 0;
  private outAt = 0;
  private outCap = 4096;
  private atomAt = 0;
  private atomCap = 1024;
  private tokAt = 0;
  private tokCap = 1024;
  private metaAt = 0;
  private metaCap = 1024;
  private readonly encoder = new TextEncoder();

  constructor(flavor: WasmFlavor = 'simd') {
    this.x = new WebAssembly.Instance(loadModule(flavor), {}).exports as unknown as MatcherExports;
    this.x.init();
    this.mem = new Uint8Array(this.x.memory.buffer);
    this.layout(64 * 1024);
  }

  /** Recomputes region offsets for inputs up to `inBytes`, growing memory when needed. */
  private layout(inBytes: number): void {
    const base = align(this.x.heapBase());
    this.tableAt = base;
    this.inCap = Math.max(this.inCap, align(inBytes + PAD, PAGE));
    this.inAt = this.tableAt + this.tableCap;
    this.textAt = this.inAt + this.inCap;
    // Match output last: growing it keeps the walk's atoms/tokens/meta and the input in place.
    this.atomAt = this.textAt + this.inCap;
    this.tokAt = this.atomAt + this.atomCap * 16;
    this.metaAt = this.tokAt + this.tokCap * 12;
    this.outAt = this.metaAt + this.metaCap * 20;
    const need = this.outAt + this.outCap * 12;
    const have = this.x.memory.buffer.byteLength;
    if (need > have) this.x.memory.grow(Math.ceil((need - have) / PAGE));
    this.mem = new Uint8Array(this.x.memory.buffer);
  }

  /** The whole WASM memory; valid until the next call that may grow it. */
  bytes(): Uint8Array {
    if (this.mem.buffer !== this.x.memory.buffer) this.mem = new Uint8Array(this.x.memory.buffer);
    return this.mem;
  }

  private ensureInput(n: number): void {
    if (n + PAD > this.inCap) this.layout(n);
  }

  /** Installs a pattern table. Call before loading input: a table larger than its region moves the input. */
  use(table: Uint8Array): void {
    if (this.table === table) return;
    if (table.length > this.tableCap) {
      this.tableCap = align(table.length, PAGE);
      this.layout(this.inCap - PAD);
    }
    // layout() never moves the table region otherwise, so an installed table stays valid.
    this.bytes().set(table, this.tableAt);
    this.x.usePatterns(this.tableAt);
    this.table = table;
  }

  /** Copies `body` into the input region; returns its pointer. */
  loadBytes(body: Uint8Array): number {
    this.ensureInput(body.length);
    const m = this.bytes();
    m.set(body, this.inAt);
    m.fill(0, this.inAt + body.length, this.inAt + body.length + PAD);
    return this.inAt;
  }

  /** Writes `prefix` then the UTF-8 of `text` into the input region; returns the total byte length. */
  loadText(prefix: Uint8Array, text: string): number {
    this.ensureInput(prefix.length + text.length * 3);
    const m = this.bytes();
    m.set(prefix, this.inAt);
    const start = this.inAt + prefix.length;
    const { written } = this.encoder.encodeInto(text, m.subarray(start, this.inAt + this.inCap - PAD));
    const end = start + written;
    m.fill(0, end, end + PAD);
    return end - this.inAt;
  }

  inputPtr(): number {
    return this.inAt;
  }

  textPtr(): number {
    return this.textAt;
  }

  /** Walks the JSON in the input region into the text region (escapes decoded). */
  walkJson(n: number): JsonWalk {
    for (;;) {
      const r = this.x.walkJson(this.inAt, n, this.textAt, this.atomAt, this.atomCap, this.tokAt, this.tokCap, this.metaAt, this.metaCap);
      if (r >= 0) {
        this.bytes().fill(0, this.textAt + r, this.textAt + r + PAD);
        return { length: r };
      }
      if (r === -1) return { length: -1 };
      // Out of atom/token/meta space: the worst case is one entry per two body bytes (a meta member takes ≥ 4).
      if (r === -2) this.atomCap = Math.max(this.atomCap * 4, Math.ceil(n / 2) + 16);
      else if (r === -3) this.tokCap = Math.max(this.tokCap * 4, Math.ceil(n / 2) + 16);
      else this.metaCap = Math.max(this.metaCap * 4, Math.ceil(n / 4) + 16);
      this.layout(this.inCap - PAD);
    }
  }

  /** (tPos, origPos, tLen, origLen) per escape of the last walk. */
  jsonAtoms(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer, this.atomAt, this.x.jsonAtomCount() * 4).slice();
  }

  /** (tStart, tEnd, kind) per string/key/number of the last walk. */
  jsonTokens(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer, this.tokAt, this.x.jsonTokenCount() * 3).slice();
  }

  /** (type, keyStart, keyEnd, valStart, valEnd) meta events of the last walk. */
  jsonMeta(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer, this.metaAt, this.x.jsonMetaCount() * 5).slice();
  }

  /** Scans [ptr, ptr+len); returns (code, start, end) triples. `pending()` is valid afterwards. */
  scan(ptr: number, len: number, table: Uint8Array, enabled: number, streaming: boolean): Uint32Array {
    if (this.table !== table) throw new Error('sluice: matcher.use(table) must precede loading the input');
    for (;;) {
      const n = this.x.scan(ptr, len, this.outAt, this.outCap, enabled, streaming ? 1 : 0);
      if (n >= 0) return new Uint32Array(this.x.memory.buffer, this.outAt, n * 3).slice();
      this.outCap *= 4;
      this.layout(this.inCap - PAD);
    }
  }

  pending(): number {
    return this.x.pending();
  }

  /** Prefilter pass only (benchmarks). */
  prefilter(ptr: number, len: number, table: Uint8Array, enabled: number): number {
    if (this.table !== table) throw new Error('sluice: matcher.use(table) must precede loading the input');
    return this.x.prefilter(ptr, len, enabled);
  }
}

let shared: Matcher | undefined;

/** The thread's matcher instance (lazily instantiated, synchronous). */
export function getMatcher(): Matcher {
  shared ??= new Matcher('simd');
  return shared;
}
