// bootstrap.js - steplocal's runtime for nodejs18.x..22.x functions.
//
// Run as `node <runtime_dir>/node/bootstrap.js` in the package folder, with
// _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API set, as AWS runs its
// Node.js runtime interface client.  It speaks the Lambda Runtime API
// (2018-06-01) with node's http module only, and reproduces the client's
// observable behaviour:
//
// - the handler is "path/to/module.export[.nested]"; the module is loaded
//   with require() (extensionless, .js, .cjs) or import() (.mjs, or .js under
//   a package.json with "type": "module"), in AWS's order;
// - loading failures are posted to /runtime/init/error as
//   Runtime.ImportModuleError, Runtime.HandlerNotFound,
//   Runtime.UserCodeSyntaxError or Runtime.MalformedHandlerName, and any
//   other error thrown at load time under its own name; the process then
//   exits 129;
// - handlers may be async (the promise's value is the result), take a
//   callback (event, context, callback) honouring
//   context.callbackWaitsForEmptyEventLoop, or use context.succeed / fail /
//   done; a plain handler that never answers gets a null response when the
//   event loop drains, an async one a Runtime.NodeJsExit error;
// - errors are posted as {"errorType": err.name, "errorMessage":
//   err.message, "trace": err.stack lines}; a thrown non-Error value has
//   its typeof as errorType and an empty trace;
// - an uncaught exception or unhandled rejection during an invocation is
//   posted as that invocation's error and ends the process (129 / 128);
// - console.* write "<ISO time>\t<request id>\t<LEVEL>\t<message>" lines
//   with newlines turned into carriage returns, as on AWS;
// - response-streaming handlers (awslambda.streamifyResponse) run, their
//   stream buffered and sent as one response.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { Writable } = require('stream');
const { pathToFileURL } = require('url');

const API_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const NODEJS_EXIT_MESSAGE = 'The Lambda runtime client detected an unexpected Node.js exit code. ' +
  'This is most commonly caused by a Promise that was never settled. For more information, ' +
  'see https://nodejs.org/docs/latest/api/process.html#exit-codes';

// ------------------------------------------------------------------ errors

class RuntimeError extends Error {}
const errorClasses = {};
for (const name of ['ImportModuleError', 'HandlerNotFound', 'MalformedHandlerName',
  'UserCodeSyntaxError', 'MalformedStreamingHandler', 'NodeJsExit',
  'UnhandledPromiseRejection']) {
  const cls = class extends RuntimeError {};
  Object.defineProperty(cls, 'name', { value: name });
  cls.prototype.name = `Runtime.${name}`;
  errorClasses[name] = cls;
}
const { ImportModuleError, HandlerNotFound, MalformedHandlerName,
  UserCodeSyntaxError, MalformedStreamingHandler, NodeJsExit,
  UnhandledPromiseRejection } = errorClasses;

function isErrorLike(obj) {
  return obj && typeof obj.name === 'string' && typeof obj.message === 'string' &&
    typeof obj.stack === 'string' && obj.name && obj.message && obj.stack;
}

// The error payload, as the AWS client's Errors.toRapidResponse builds it.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name.replaceAll('\x7F', '%7F'),
        errorMessage: error.message.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem ' +
        'while retrieving one or more of its message, name, and stack',
    };
  }
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// "\t" + the error as JSON with its non-enumerable fields, for log lines.
function toFormatted(error) {
  const withFields = (_k, v) => {
    if (v instanceof Error) {
      const ret = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
      if (typeof v.stack === 'string') ret.stack = v.stack.split('\n');
      return ret;
    }
    return v;
  };
  try {
    return '\t' + JSON.stringify(error, withFields);
  } catch (_err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ------------------------------------------------------------------ logging

let currentRequestId;
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };

function patchConsole() {
  const minimum = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || LEVELS.TRACE;
  const logger = (level) => (message, ...params) => {
    let line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t` +
      util.format(message, ...params);
    line = line.replace(/\n/g, '\r');
    process.stdout.write(line + '\n');
  };
  const nop = () => {};
  for (const [name, level] of [['trace', 'TRACE'], ['debug', 'DEBUG'], ['info', 'INFO'],
    ['warn', 'WARN'], ['error', 'ERROR'], ['fatal', 'FATAL']]) {
    console[name] = LEVELS[level] >= minimum || level === 'FATAL' ? logger(level) : nop;
  }
  console.log = console.info;
}

function logError(what, err) {
  console.error(what, toFormatted(intoError(err)));
}

// ------------------------------------------------------------------ Runtime API

// A fresh connection per request: no keep-alive socket to go stale, and an
// idle runtime holds nothing but its pending /next.
const agent = new http.Agent({ keepAlive: false });
const [apiHost, apiPort] = (() => {
  const addr = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i).replace(/^\[|\]$/g, ''), parseInt(addr.slice(i + 1), 10)];
})();

function apiGone(err) {
  process.stderr.write(`steplocal node runtime: Runtime API unreachable, exiting: ${err.message}\n`);
  process.exit(1);
}

function request(method, apiPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: apiHost, port: apiPort, method, path: API_PREFIX + apiPath, agent,
      headers: Object.assign(body === undefined ? {} : { 'Content-Length': body.length }, headers || {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function post(apiPath, body, headers, then) {
  request('POST', apiPath, Buffer.from(body, 'utf8'), headers).then((res) => {
    if (res.status !== 202) {
      // E.g. 413 for an oversized response: the platform reports it and
      // expects the next /next.
      process.stderr.write(`steplocal node runtime: POST ${apiPath} answered ` +
        `${res.status}: ${res.body.toString('utf8').trim()}\n`);
    }
    if (then) then();
  }, apiGone);
}

function errorHeaders(response) {
  const headers = { 'Content-Type': 'application/json' };
  const type = String(response.errorType || '').replace(/[^\x21-\x7e]/g, '');
  if (type) headers[ERROR_TYPE_HEADER] = type;
  return headers;
}

// Like the AWS client: undefined is sent as null; an unserialisable value
// throws an Error the caller reports as the invocation's error.
function serialize(body) {
  try {
    const s = JSON.stringify(body === undefined ? null : body);
    return s === undefined ? 'null' : s;
  } catch (err) {
    throw new Error('Unable to stringify response body');
  }
}

function postResponse(id, result, then) {
  post(`/invocation/${encodeURIComponent(id)}/response`, serialize(result),
    { 'Content-Type': 'application/json' }, then);
}

function postRawResponse(id, buffer, then) {
  request('POST', `/invocation/${encodeURIComponent(id)}/response`, buffer,
    { 'Content-Type': 'application/octet-stream' }).then(() => then && then(), apiGone);
}

function postError(id, error, then) {
  const response = toRapidResponse(error);
  post(`/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(response),
    errorHeaders(response), then);
}

function postInitError(error, then) {
  const response = toRapidResponse(error);
  post('/init/error', JSON.stringify(response), errorHeaders(response), then);
}

// ------------------------------------------------------------------ loading

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

function splitHandler(full) {
  const handlerString = path.basename(full);
  const moduleRoot = full.substring(0, full.indexOf(handlerString));
  const match = handlerString.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  return [moduleRoot, match[1], match[2]];
}

function packageTypeIsModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      return !!pkg && pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return packageTypeIsModule(path.resolve(folder, '..'));
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

// AWS's resolution order: extensionless, .js (CommonJS unless "type":
// "module"), .js as ESM, .mjs, .cjs, then node's own resolution from the
// task root (which yields "Cannot find module" when nothing matches).
async function loadModule(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequire(lambdaStylePath);
  if (extensionless) return extensionless;
  const isModule = packageTypeIsModule(path.dirname(lambdaStylePath));
  if (!isModule) {
    const loaded = tryRequire(lambdaStylePath + '.js');
    if (loaded) return loaded;
  }
  const loaded = (isModule && await tryImport(lambdaStylePath + '.js')) ||
    await tryImport(lambdaStylePath + '.mjs') ||
    tryRequire(lambdaStylePath + '.cjs');
  if (loaded) return loaded;
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(`'${fullHandler}' is not a valid handler name. ` +
      'Use absolute paths when specifying root directories in handler names.');
  }
  const [moduleRoot, module, handlerPath] = splitHandler(fullHandler);
  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
  const fn = handlerPath.split('.').reduce((o, key) => o && o[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

// ------------------------------------------------------------------ streaming

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const STREAM_RESPONSE = 'response';

globalThis.awslambda = {
  streamifyResponse: (handler) => {
    handler[HANDLER_STREAMING] = STREAM_RESPONSE;
    return handler;
  },
  HttpResponseStream: class HttpResponseStream {
    // As AWS: the metadata as JSON, then 8 NUL bytes, then the body.
    static from(stream, prelude) {
      stream.write(JSON.stringify(prelude));
      stream.write(Buffer.alloc(8));
      return stream;
    }
  },
};

// ------------------------------------------------------------------ invocations

const beforeExit = { listener: () => {} };
const errorCallbacks = {
  uncaughtException: (error) => postInitError(error, () => process.exit(129)),
  unhandledRejection: (error) => postInitError(error, () => process.exit(128)),
};

function isPromise(obj) {
  return obj && typeof obj.then === 'function';
}

function headerData(headers) {
  const parse = (value, name) => {
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch (err) {
      throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
    }
  };
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return {
    clientContext: parse(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parse(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

// The callback and the context's succeed/fail/done for one invocation; only
// the first call of any of them counts (AWS's CallbackContext).
function callbackContext(id, scheduleNext) {
  let completed = false;
  let waitForEmptyEventLoop = true;
  const complete = (result, then) => {
    if (completed) {
      console.error('Invocation has already been reported as done. ' +
        'Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    let body;
    try {
      body = serialize(result);
    } catch (err) {
      logError('Invoke Error', err);
      postError(id, err, then);
      return;
    }
    post(`/invocation/${encodeURIComponent(id)}/response`, body,
      { 'Content-Type': 'application/json' }, then);
  };
  const fail = (err, then) => {
    logError('Invoke Error', err);
    completed = true;
    postError(id, err, then);
  };
  const callback = (err, result) => {
    beforeExit.listener = () => {};
    if (err !== undefined && err !== null) {
      fail(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit.listener = () => setImmediate(() => complete(result, scheduleNext));
    }
  };
  const done = (err, result) => {
    beforeExit.listener = () => {};
    if (err !== undefined && err !== null) fail(err, scheduleNext);
    else complete(result, scheduleNext);
  };
  let finished = false;
  const once = (fn) => (...args) => {
    if (!finished) {
      finished = true;
      fn(...args);
    }
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once((result) => done(null, result)),
    fail: once((err) => done(err === undefined || err === null ? 'handled' : err, null)),
    done: once(done),
  };
  return [once(callback), context, () => { completed = true; }];
}

function environmentData() {
  return {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  };
}

function forwardTrace(headers) {
  if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
}

function decodeEvent(headers, body) {
  // Events are JSON (Invoke rejects anything else).
  return JSON.parse(body.toString('utf8'));
}

function makeRuntime(handler) {
  const isAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  const streaming = handler[HANDLER_STREAMING];
  if (streaming !== undefined && streaming !== null && streaming !== false &&
      streaming !== STREAM_RESPONSE) {
    throw new MalformedStreamingHandler('Only response streaming is supported.');
  }

  const scheduleNext = () => setImmediate(() => {
    handleOnce().catch((err) => {
      console.log(`Unexpected Top Level Error: ${err.toString()}`);
      errorCallbacks.uncaughtException(err);
    });
  });

  const setErrorCallbacks = (id) => {
    errorCallbacks.uncaughtException = (error) => postError(id, error, () => process.exit(129));
    errorCallbacks.unhandledRejection = (error) => postError(id, error, () => process.exit(128));
  };

  async function next() {
    let res;
    try {
      res = await request('GET', '/invocation/next');
    } catch (err) {
      apiGone(err);
    }
    if (res.status !== 200) {
      apiGone(new Error(`GET /invocation/next answered ${res.status}: ${res.body.toString('utf8')}`));
    }
    return res;
  }

  async function handleOnce() {
    const { headers, body } = await next();
    const id = headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    forwardTrace(headers);
    setErrorCallbacks(id);
    if (streaming === STREAM_RESPONSE) return handleStreaming(id, headers, body);

    const [callback, cbContext, markCompleted] = callbackContext(id, scheduleNext);
    // A handler that returns no promise and never calls back answers null
    // once the event loop drains; an async one that never settles fails.
    beforeExit.listener = () => {
      markCompleted();
      if (isAsync) {
        const err = new NodeJsExit(NODEJS_EXIT_MESSAGE);
        logError('Invoke Error', err);
        postError(id, err, scheduleNext);
      } else {
        postResponse(id, null, scheduleNext);
      }
    };
    try {
      const context = Object.assign(cbContext, environmentData(), headerData(headers));
      const result = handler(decodeEvent(headers, body), context, callback);
      if (isPromise(result)) {
        result.then(context.succeed, context.fail).catch(context.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  async function handleStreaming(id, headers, body) {
    beforeExit.listener = () => scheduleNext();
    const chunks = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(Buffer.from(chunk));
        cb();
      },
    });
    stream.setContentType = () => {};
    try {
      const context = Object.assign({ callbackWaitsForEmptyEventLoop: true }, environmentData(), headerData(headers));
      const pending = handler(decodeEvent(headers, body), stream, context);
      if (!isPromise(pending)) throw new Error('Streaming does not support non-async handlers.');
      await pending;
      if (!stream.writableEnded) throw new Error('Response stream is not finished.');
      if (!stream.writableFinished) await new Promise((resolve) => stream.once('finish', resolve));
      beforeExit.listener = () => {};
      postRawResponse(id, Buffer.concat(chunks), scheduleNext);
    } catch (err) {
      beforeExit.listener = () => {};
      logError('Invoke Error', err);
      postError(id, err, scheduleNext);
    }
  }

  return scheduleNext;
}

// ------------------------------------------------------------------ main

async function main() {
  patchConsole();
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason) => {
    let text;
    try {
      text = String(reason);
    } catch (_err) {
      text = 'unknown reason';
    }
    // As AWS: the message is the reason as a string ("Error: ..." for an Error).
    const error = new UnhandledPromiseRejection(text);
    error.reason = reason;
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  process.on('beforeExit', () => beforeExit.listener());

  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const handler = await loadHandler(appRoot, process.env._HANDLER || '');
  makeRuntime(handler)();
}

main().catch((error) => {
  // Loading failed: report it the way the uncaught exception handler does.
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
