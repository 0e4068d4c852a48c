// Every example the runner knows: the demo client it authenticates as, how to tell whether this machine can run
// it (and why not), the commands that run it, and what its RESULT line must show.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { versionOf } from './sh.mjs';
import { pythonWith } from './python.mjs';

/** Environment every example reads: gateway, token endpoint, its client, its session. */
function envFor(ctx, ex, extra = {}) {
  const c = ctx.clients[ex.client.id];
  return {
    SLUICE_URL: ctx.url,
    SLUICE_TOKEN_URL: ctx.tokenUrl,
    SLUICE_CLIENT_ID: c.id,
    SLUICE_CLIENT_SECRET: c.secret,
    SLUICE_SESSION: `${ex.name}-${Date.now().toString(36)}`,
    ...extra,
  };
}

function outDir(ctx, name) {
  const dir = join(ctx.work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function javaSources(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.java'))
    .map((f) => join(dir, f));
}

const need = (problems, cond, message) => {
  if (!cond) problems.push(message);
};

/** Can Node load `pkg` from the repository (the LangChain packages are dev dependencies)? */
async function importable(pkg) {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Every approval the examples' reviewer granted while `name` ran, and what each run must show for its agent. */
function expectAgent(r, approved) {
  const p = [];
  need(p, r.turns === 2 && r.answers === 2, `expected 2 turns with 2 answers, got ${r.turns} and ${r.answers}`);
  need(p, r.toolCalls === 2 && r.archived === 1, `expected 2 tool calls (lookup_order, archive_case) and 1 archived case, got ${r.toolCalls} and ${r.archived}`);
  need(p, approved.length >= 1, 'the archive_case turn was never held for a reviewer (no approval granted)');
  need(p, !r.leaked, "the model's answers contain the raw card number or e-mail");
  return p;
}
const agentSummary = (r, approved) => `${r.turns} turns, ${r.toolCalls} tool calls, ${approved.length} approval(s) granted, ${r.tokensFetched} token(s) fetched`;

// Streaming clients get 2-second tokens here (300 s in sluice.yaml), so a run of a few seconds refreshes them.
const STREAMING = ['streaming-jobs'];

export const EXAMPLES = [
  {
    name: 'java-async',
    title: 'JDK-only async enrichment client (the body of a Flink AsyncFunction / Spark mapPartitions)',
    client: { id: 'flink-enrichment', groups: STREAMING, ttlSeconds: 2 },
    async prepare(ctx) {
      const javac = await versionOf('javac');
      const java = await versionOf('java');
      if (!javac || !java) return { skip: 'no JDK on PATH (javac/java): install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)' };
      const dir = join(ctx.repo, 'examples/java-async');
      const out = outDir(ctx, 'java-async');
      const classes = join(out, 'classes');
      console.log(`-- ${javac}; ${java}`);
      return {
        steps: [
          { label: 'compile', cmd: 'javac', args: ['-Xlint:all', '-Werror', '-d', classes, ...javaSources(join(dir, 'src'))] },
          { label: 'client self-test (local IdP and gateway stand-ins)', cmd: 'java', args: ['-cp', classes, 'sluice.examples.ClientSelfTest'] },
          {
            label: 'enrich tickets through Sluice',
            cmd: 'java',
            args: ['-cp', classes, `-Dsluice.example.dir=${dir}`, 'sluice.examples.EnrichmentDemo'],
            env: envFor(ctx, this, { OUTPUT: out }),
          },
        ],
      };
    },
    expect(r) {
      const p = [];
      need(p, r.ok === 30 && r.failed === 1, `expected 30 enriched and 1 failed (the over-long ticket), got ${r.ok} and ${r.failed}`);
      need(p, r.retries >= 2, `expected retries of the injected 429/503, got ${r.retries}`);
      need(p, r.maxInFlight <= 8, `more than maxInFlight = 8 calls at once (${r.maxInFlight})`);
      return p;
    },
    summary: (r) => `${r.ok} enriched, ${r.failed} dead-lettered, ${r.retries} retries, ${r.tokensFetched} token(s) fetched`,
  },
  {
    name: 'flink',
    title: 'Flink DataStream job: AsyncDataStream.unorderedWait over the java-async client',
    client: { id: 'flink-enrichment', groups: STREAMING, ttlSeconds: 2 },
    async prepare(ctx) {
      const dir = join(ctx.repo, 'examples/flink');
      const version = /<flink\.version>([^<]+)</.exec(readFileSync(join(dir, 'pom.xml'), 'utf8'))?.[1];
      const mvn = await versionOf('mvn', ['-v']);
      if (!mvn) return { skip: 'no Maven (mvn) on PATH' };
      if (!(await versionOf('java'))) return { skip: 'no JDK on PATH' };
      // Offline unless told otherwise: this machine cannot reach Maven Central, and a failed online resolution
      // costs 20 s to say so. Where the Flink jars are in the local repository (or SLUICE_EXAMPLES_MAVEN_ONLINE=1
      // lets Maven fetch them), the job is compiled and run on a local mini-cluster.
      const online = process.env.SLUICE_EXAMPLES_MAVEN_ONLINE === '1';
      const repo = process.env.SLUICE_EXAMPLES_M2_REPO ?? join(homedir(), '.m2/repository');
      const jar = join(repo, `org/apache/flink/flink-streaming-java/${version}/flink-streaming-java-${version}.jar`);
      if (!online && !existsSync(jar)) {
        return { skip: `org.apache.flink:flink-streaming-java:${version} is not in the local Maven repository (${repo}) and Maven Central is not reachable from this machine (SLUICE_EXAMPLES_MAVEN_ONLINE=1 where it is); the client it wraps runs in java-async` };
      }
      const out = outDir(ctx, 'flink');
      const mvnArgs = ['-B', '-q', ...(online ? [] : ['-o']), '-f', join(dir, 'pom.xml'), `-Dsluice.build.dir=${join(out, 'target')}`];
      return {
        steps: [
          { label: 'compile (Maven)', cmd: 'mvn', args: [...mvnArgs, 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${join(out, 'classpath.txt')}`] },
          {
            label: 'run the job on a local mini-cluster',
            cmd: 'bash',
            args: ['-c', `exec java -cp "${join(out, 'target/classes')}:$(cat "${join(out, 'classpath.txt')}")" sluice.examples.flink.EnrichmentJob`],
            env: envFor(ctx, this, { INPUT: join(ctx.repo, 'examples/java-async/tickets.jsonl'), OUTPUT: out }),
          },
        ],
      };
    },
    expect(r) {
      const p = [];
      need(p, r.ok === 30 && r.failed === 1, `expected 30 enriched and 1 failed (the over-long ticket), got ${r.ok} and ${r.failed}`);
      return p;
    },
    summary: (r) => `${r.ok} enriched, ${r.failed} failed on a Flink mini-cluster`,
  },
  {
    name: 'kafka-consumer',
    title: 'Kafka-consumer-style Node worker: poll, bounded concurrency with backpressure, commit, dead letters',
    client: { id: 'kafka-enricher', groups: STREAMING, ttlSeconds: 2 },
    async prepare(ctx) {
      const out = outDir(ctx, 'kafka-consumer');
      return {
        steps: [
          {
            label: 'consume the topic file',
            cmd: process.execPath,
            args: [join(ctx.repo, 'examples/kafka-consumer/worker.mjs')],
            env: envFor(ctx, this, { OUT_DIR: out, CONCURRENCY: '6', MAX_POLL_RECORDS: '10' }),
          },
        ],
      };
    },
    expect(r) {
      const p = [];
      need(p, r.ok === 40 && r.failed === 2, `expected 40 enriched and 2 dead letters (a broken and an over-long record), got ${r.ok} and ${r.failed}`);
      need(p, r.committed === 42, `expected the committed offset 42, got ${r.committed}`);
      need(p, r.maxInFlight <= 6, `more than CONCURRENCY = 6 records in flight (${r.maxInFlight})`);
      return p;
    },
    summary: (r) => `${r.ok} enriched, ${r.failed} dead letters, committed offset ${r.committed}, ${r.tokensFetched} token(s) fetched`,
  },
  {
    name: 'python',
    title: 'official openai Python SDK: JSON, streaming with usage, tool calls, a batch; token refresh in an httpx auth hook',
    client: { id: 'py-notebook', groups: ['analysts'], ttlSeconds: 2 },
    async prepare(ctx) {
      const dir = join(ctx.repo, 'examples/python');
      const py = await pythonWith(ctx, join(dir, 'requirements.txt'));
      if (py.skip) return { skip: py.skip };
      return {
        steps: [
          { label: 'unit tests (httpx MockTransport as IdP and gateway)', cmd: py.python, args: ['-m', 'unittest', '-v', 'test_sluice_client.py'], cwd: dir },
          { label: 'the demo through Sluice', cmd: py.python, args: ['demo.py'], cwd: dir, env: envFor(ctx, this) },
        ],
      };
    },
    expect(r) {
      const p = [];
      need(p, r.json && r.stream && r.tools, `JSON ${r.json}, stream ${r.stream}, tools ${r.tools}`);
      need(p, r.batchOk === r.batch, `batch: ${r.batchOk} of ${r.batch} enriched`);
      return p;
    },
    summary: (r) => `JSON, stream with usage, tool round trip, ${r.batchOk}/${r.batch} batch records, ${r.tokensFetched} token(s) fetched`,
  },
  {
    name: 'pyspark',
    title: 'PySpark mapPartitions enrichment on the shared Python client module',
    client: { id: 'spark-enrichment', groups: STREAMING, ttlSeconds: 2 },
    async prepare(ctx) {
      const dir = join(ctx.repo, 'examples/pyspark');
      const out = outDir(ctx, 'pyspark');
      const expect = (r) => {
        const p = [];
        need(p, r.ok === 30 && r.failed === 1, `expected 30 enriched and 1 failed (the over-long ticket), got ${r.ok} and ${r.failed}`);
        return p;
      };
      const summary = (r) => `${r.ok} enriched, ${r.failed} failed${r.spark ? ' on Spark' : ''}`;
      const job = (extra) => ({ label: 'enrich tickets', cmd: py.python, args: ['enrich_job.py', '--output', out, ...extra], cwd: dir, env: envFor(ctx, this) });
      const py = await pythonWith(ctx, join(dir, 'requirements.txt'));
      if (!py.skip) {
        const java = await versionOf('java');
        if (!java) return { skip: 'pyspark needs a JVM: no java on PATH' };
        this.expect = expect;
        this.summary = summary;
        return { steps: [job([])] };
      }
      const base = await pythonWith(ctx, join(ctx.repo, 'examples/python/requirements.txt'));
      if (base.skip) return { skip: `${py.skip}; and ${base.skip}` };
      py.python = base.python;
      return {
        skip: py.skip,
        fallback: { label: 'partition function without Spark', steps: [job(['--no-spark'])], expect, summary },
      };
    },
  },
  {
    name: 'langgraph-js',
    title: 'LangGraph.js agent: thread id as x-sluice-session, tool results masked, a tool call held for a reviewer',
    client: { id: 'support-agent', groups: ['agents'], ttlSeconds: 2 },
    async prepare(ctx) {
      if (!(await importable('@langchain/langgraph')) || !(await importable('@langchain/openai'))) {
        return { skip: '@langchain/langgraph or @langchain/openai is not installed (dev dependencies: npm ci without --omit=dev)' };
      }
      return { steps: [{ label: 'run the agent graph', cmd: process.execPath, args: [join(ctx.repo, 'examples/langgraph-js/agent.mjs')], env: envFor(ctx, this) }] };
    },
    expect: expectAgent,
    summary: agentSummary,
  },
  {
    name: 'langgraph-python',
    title: 'LangGraph (Python) agent: thread id as x-sluice-session, tool results masked, a tool call held for a reviewer',
    client: { id: 'support-agent-py', groups: ['agents'], ttlSeconds: 2 },
    async prepare(ctx) {
      const dir = join(ctx.repo, 'examples/langgraph-python');
      const py = await pythonWith(ctx, join(dir, 'requirements.txt'));
      if (py.skip) return { skip: py.skip };
      return { steps: [{ label: 'run the agent graph', cmd: py.python, args: ['agent.py'], cwd: dir, env: envFor(ctx, this) }] };
    },
    expect: expectAgent,
    summary: agentSummary,
  },
];
