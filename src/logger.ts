/**
 * Where farcall reports what it does on its own: closed connections and why, refused
 * handshakes, failed notifications. The default writes to standard error; pass `logger: false`
 * to `serve`/`connect` for silence, or an object of your own.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.error(`farcall: ${message}`),
  warn: (message) => console.error(`farcall: ${message}`),
};

const silentLogger: Logger = { info: () => {}, warn: () => {} };

export function resolveLogger(logger: Logger | false | undefined): Logger {
  if (logger === false) return silentLogger;
  return logger ?? consoleLogger;
}
