import { SchemeTable, type TransportLoader } from './schemes.js';

const ws: TransportLoader = async () => (await import('./ws-browser.js')).browserWsTransport;
const http: TransportLoader = async () => (await import('./http-fetch.js')).fetchTransport;
const memory: TransportLoader = async () => (await import('./memory.js')).memoryTransport;

/** The transports a browser has: WebSocket and HTTP on the platform's own APIs, and memory. */
export const browserSchemes = new SchemeTable([
  ['ws', ws],
  ['wss', ws],
  ['http', http],
  ['https', http],
  ['memory', memory],
]);
