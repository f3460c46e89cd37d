import type { Logger } from '../../src/logger.js';

/** A logger that keeps its lines, for asserting what the server said and why. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m) };
}
