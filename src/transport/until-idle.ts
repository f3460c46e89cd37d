import type { Channel } from './transport.js';

/**
 * The listening policy of the worker and process transports: take connections until one has
 * opened and every connection since has closed, then `stop`, so that the thread or process with
 * nothing else to do can exit. A connection whose opening fails (a wrong authkey) does not end
 * the listening: the right one may follow. Returns what to call for each connection, with the
 * promise the server's `channel` handler returned.
 */
export function untilIdle(
  stop: () => void,
): (channel: Channel, opened: Promise<void> | undefined) => void {
  let open = 0;
  let served = false;
  return (channel, opened) => {
    open++;
    opened?.then(
      () => {
        served = true;
      },
      () => {},
    );
    // An opening that succeeded settles before its channel can end, so `served` is set by then.
    void channel.done.then(() => {
      if (--open === 0 && served) stop();
    });
  };
}
