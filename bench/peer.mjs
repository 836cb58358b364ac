#!/usr/bin/env node
// Peer runner for `make bench`: runs one execution on aws-local-stepfunctions
// (installed by bench.py into bench/peers/) with the same contract as
// `steplocal run --json --stats`:
//   node bench/peer.mjs --definition FILE --input-file FILE --json --stats
// stdout: {"executionArn","status","output","error","cause","startDate","stopDate"}
// stderr (last line): {"transitions":null,"seconds":S}, S timed around
// run().result only (module load, file parsing and validation excluded).
// Task states are served by local handlers (no AWS): `echo` returns its event;
// `flaky` throws Lambda.ServiceException on its first 2 calls in this
// execution, then returns {"ok":true,"attempt":3}.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Node 20 lacks Promise.withResolvers, which the package uses at run time.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

function usage(msg) {
  process.stderr.write(`peer.mjs: ${msg}\n` +
    'usage: node peer.mjs --definition FILE --input-file FILE [--json] [--stats]\n');
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = { json: false, stats: false };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--definition' || a === '--input-file' || a === '--peer-dir') {
    if (i + 1 >= args.length) usage(`${a} needs a value`);
    opt[a.slice(2)] = args[++i];
  } else if (a === '--json') opt.json = true;
  else if (a === '--stats') opt.stats = true;
  else usage(`unknown argument ${a}`);
}
if (!opt.definition || !opt['input-file']) usage('--definition and --input-file are required');

const here = dirname(fileURLToPath(import.meta.url));
const peerDir = opt['peer-dir'] || process.env.SL_PEER_DIR || join(here, 'peers');
const entry = join(peerDir, 'node_modules', 'aws-local-stepfunctions', 'build', 'main.node.esm.js');
const { StateMachine } = await import(pathToFileURL(entry).href);

const definition = JSON.parse(readFileSync(opt.definition, 'utf8'));
const input = JSON.parse(readFileSync(opt['input-file'], 'utf8'));

// Local Lambda handlers, keyed by function name (last ARN segment).
function makeFunctions() {
  let flakyCalls = 0;
  return {
    echo: async (event) => event,
    flaky: async () => {
      flakyCalls += 1;
      if (flakyCalls <= 2) {
        const e = new Error(`flaky: simulated failure ${flakyCalls} of 2`);
        e.name = 'Lambda.ServiceException';
        throw e;
      }
      return { ok: true, attempt: flakyCalls };
    },
  };
}

// taskResourceLocalHandlers is keyed by state name: map every Task state
// (at any depth: Map/Parallel children) to its function's local handler.
function taskHandlers(def, fns, out = {}) {
  for (const [name, st] of Object.entries(def.States || {})) {
    if (st.Type === 'Task') {
      let fn = st.Resource;
      if (typeof fn === 'string' && fn.startsWith('arn:aws:states:::lambda:invoke'))
        fn = st.Parameters && (st.Parameters.FunctionName || '');
      const m = /function:([^:]+)/.exec(fn || '') ;
      const fname = m ? m[1] : fn;
      if (!fns[fname]) throw new Error(`peer.mjs: no local handler for Task ${name} (${st.Resource})`);
      out[name] = fns[fname];
    }
    for (const sub of [st.ItemProcessor, st.Iterator, ...(st.Branches || [])])
      if (sub) taskHandlers(sub, fns, out);
  }
  return out;
}

const sm = new StateMachine(definition, {
  validationOptions: { checkArn: false },
});
const overrides = { taskResourceLocalHandlers: taskHandlers(definition, makeFunctions()) };

const startDate = new Date();
const t0 = process.hrtime.bigint();
let status = 'SUCCEEDED', output = null, error = null, cause = null;
try {
  output = await sm.run(input, { overrides }).result;
} catch (e) {
  status = 'FAILED';
  error = (e && (e.name || e.constructor?.name)) || 'Error';
  cause = (e && e.message) || String(e);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const stopDate = new Date();

const result = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:peer:bench',
  status, output, error, cause,
  startDate: startDate.toISOString(), stopDate: stopDate.toISOString(),
};
process.stdout.write((opt.json ? JSON.stringify(result) : JSON.stringify(output)) + '\n');
if (opt.stats) process.stderr.write(JSON.stringify({ transitions: null, seconds }) + '\n');
process.exitCode = status === 'SUCCEEDED' ? 0 : 1;
