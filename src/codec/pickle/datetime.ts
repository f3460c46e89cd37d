/**
 * The pickled state of `datetime.datetime` and `datetime.date`, as CPython writes it: a
 * `datetime` is 10 bytes (year high, year low, month, day, hour, minute, second, then the
 * microseconds in 3 big-endian bytes); a `date` is the first 4. The high bit of the month byte
 * is `fold`, which only matters for local times and is ignored here.
 */
import { CodecError } from '../../errors.js';

/** A `Date` for the datetime state, read as UTC. Microseconds are truncated to milliseconds. */
export function dateFromState(state: Uint8Array, what: 'datetime' | 'date'): Date {
  const size = what === 'datetime' ? 10 : 4;
  if (state.length !== size) {
    throw new CodecError(`farcall: pickle datetime.${what} state must be ${size} bytes`);
  }
  const year = state[0]! * 256 + state[1]!;
  const month = state[2]! & 0x7f;
  const day = state[3]!;
  const [hour, minute, second] = size === 10 ? [state[4]!, state[5]!, state[6]!] : [0, 0, 0];
  const micros = size === 10 ? (state[7]! << 16) | (state[8]! << 8) | state[9]! : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Math.floor(micros / 1000));
  // Date normalises out-of-range fields (month 13, day 32) instead of refusing them, so check
  // that every field came back unchanged; Python refuses such a state as well.
  const valid =
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second &&
    micros < 1_000_000;
  if (!valid) {
    throw new CodecError(`farcall: pickle datetime.${what} state is not a valid date`);
  }
  return date;
}

/**
 * The 10-byte `datetime.datetime` state for a `Date`, in UTC.
 *
 * @throws {CodecError} for an invalid `Date` or a year outside Python's 1 to 9999.
 */
export function stateFromDate(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw new CodecError('farcall: pickle can only encode a Date between years 1 and 9999');
  }
  const micros = date.getUTCMilliseconds() * 1000;
  return Uint8Array.of(
    year >> 8,
    year & 0xff,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    micros >> 16,
    (micros >> 8) & 0xff,
    micros & 0xff,
  );
}
