/**
 * What each thread of a worker pool runs: it loads the pool's module, serves its exports with
 * `serveWorker` (named exports, and the members of a default-exported object, as `farcall serve`
 * does), then tells the pool it is ready. A module that fails to load is an uncaught error of
 * the worker, which the pool reports from its `'error'` event.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadApi } from '../cli/load-module.js';
import { serveWorker } from '../workers.js';
import { type PoolWorkerData, READY } from './pool-protocol.js';

const data = workerData as PoolWorkerData;
const api = await loadApi(data.module);
await serveWorker(api, { ...data.serve, logger: data.quiet ? false : undefined });
parentPort!.postMessage(READY);
