/**
 * Writing XML-RPC documents: calls, responses and faults as UTF-8 XML, escaped by hand (`&`,
 * `<`, `>` as entities, a carriage return as `&#13;` so that XML's line-end rule keeps it).
 *
 * | JavaScript                                   | XML-RPC                                       |
 * | -------------------------------------------- | --------------------------------------------- |
 * | `null`, `undefined`                          | `<nil/>` (Python's `allow_none`)              |
 * | boolean                                      | `<boolean>`                                   |
 * | integer number in 32 bits                    | `<int>`                                       |
 * | integer number or `BigInt` in 64 bits        | `<i8>`                                        |
 * | other numbers, `NaN` and infinities          | `<double>` (`nan`, `inf`, `-inf` as Python)   |
 * | string                                       | `<string>`                                    |
 * | `Date`                                       | `<dateTime.iso8601>` in UTC, whole seconds    |
 * | `Uint8Array` (and `Buffer`)                  | `<base64>`                                    |
 * | array                                        | `<array>`                                     |
 * | plain object (`undefined` members left out)  | `<struct>`                                    |
 *
 * Anything else (a `Map`, a `Set`, a function, a class instance, a `BigInt` past 64 bits, a
 * string with a character XML cannot hold) is a `CodecError`: never a silent loss.
 */
import { CodecError, LimitError } from '../../errors.js';
import type { CodecOptions } from '../codec.js';

const encoder = new TextEncoder();
const scratch = new Uint8Array(64 * 1024);

const PROLOG = '<?xml version="1.0"?>\n';
/** A response is these around its one value, a fault these around its struct: fixed, so a multicall answer can be cut out of them. */
export const RESPONSE_HEAD = `${PROLOG}<methodResponse><params><param>`;
export const RESPONSE_TAIL = '</param></params></methodResponse>\n';
export const FAULT_HEAD = `${PROLOG}<methodResponse><fault>`;
export const FAULT_TAIL = '</fault></methodResponse>\n';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const I64_LIMIT = 2 ** 63;

/** Characters XML 1.0 cannot hold (controls but tab, newline, return; U+FFFE/F; lone surrogates). */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESCAPED = /[&<>\r]/g;
const ENTITY: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#13;',
};

/**
 * A `methodCall`. Throws `CodecError` for a value XML-RPC cannot carry and `LimitError` past
 * `maxDepth` (a cycle is endless nesting) or `maxItems` values.
 */
export function encodeXmlRpcCall(
  method: string,
  params: readonly unknown[],
  options: CodecOptions,
): Uint8Array {
  const writer = new Writer(options);
  writer.out.push(PROLOG, '<methodCall><methodName>', escapeText(method), '</methodName><params>');
  for (const param of params) {
    writer.out.push('<param>');
    writer.value(param, 0);
    writer.out.push('</param>');
  }
  writer.out.push('</params></methodCall>\n');
  return writer.bytes();
}

/** A `methodResponse` with one value; throws as `encodeXmlRpcCall` does. */
export function encodeXmlRpcResponse(value: unknown, options: CodecOptions): Uint8Array {
  const writer = new Writer(options);
  writer.out.push(RESPONSE_HEAD);
  writer.value(value, 0);
  writer.out.push(RESPONSE_TAIL);
  return writer.bytes();
}

/** A fault; a string XML cannot hold is written with U+FFFD in place of what it cannot. */
export function encodeXmlRpcFault(
  code: number,
  message: string,
  options: CodecOptions,
): Uint8Array {
  const writer = new Writer(options);
  writer.out.push(FAULT_HEAD);
  writer.value({ faultCode: code, faultString: toXmlText(message) }, 0);
  writer.out.push(FAULT_TAIL);
  return writer.bytes();
}

/** `text` with every character XML cannot hold replaced by U+FFFD. */
function toXmlText(text: string): string {
  return NOT_XML.test(text) ? text.replace(new RegExp(NOT_XML, 'g'), '\ufffd') : text;
}

function escapeText(text: string): string {
  if (NOT_XML.test(text)) {
    throw new CodecError(
      'a string holds a character that XML cannot carry (a control character or a lone surrogate)',
    );
  }
  return text.replace(ESCAPED, (c) => ENTITY[c]!);
}

class Writer {
  readonly out: string[] = [];
  private items = 0;

  constructor(private readonly options: CodecOptions) {}

  bytes(): Uint8Array {
    const text = this.out.join('');
    // A UTF-16 code unit is at most three UTF-8 bytes; `encodeInto` and a copy beat `encode`.
    if (text.length * 3 > scratch.length) return encoder.encode(text);
    const { written } = encoder.encodeInto(text, scratch);
    return scratch.slice(0, written);
  }

  value(value: unknown, depth: number): void {
    if (++this.items > this.options.maxItems) {
      throw new LimitError(
        `the value holds more than ${this.options.maxItems} values for XML-RPC (limits.maxItems)`,
      );
    }
    const out = this.out;
    switch (typeof value) {
      case 'string':
        out.push('<value><string>', escapeText(value), '</string></value>');
        return;
      case 'boolean':
        out.push(
          value ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>',
        );
        return;
      case 'number':
        out.push('<value>', number(value), '</value>');
        return;
      case 'bigint':
        if (value < INT64_MIN || value > INT64_MAX) {
          throw new CodecError('XML-RPC has no integer past 64 bits (i8)');
        }
        out.push('<value><i8>', value.toString(), '</i8></value>');
        return;
      case 'undefined':
        out.push('<value><nil/></value>');
        return;
      case 'object':
        break;
      default:
        throw new CodecError(`a ${typeof value} cannot be sent as XML-RPC`);
    }
    if (value === null) {
      out.push('<value><nil/></value>');
      return;
    }
    if (value instanceof Date) {
      out.push('<value><dateTime.iso8601>', dateTime(value), '</dateTime.iso8601></value>');
      return;
    }
    if (value instanceof Uint8Array) {
      const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(
        'base64',
      );
      out.push('<value><base64>', base64, '</base64></value>');
      return;
    }
    if (depth >= this.options.maxDepth) {
      throw new LimitError(
        `the value nests deeper than ${this.options.maxDepth} levels for XML-RPC, or holds a cycle (limits.maxDepth)`,
      );
    }
    if (Array.isArray(value)) {
      out.push('<value><array><data>');
      for (const item of value) this.value(item, depth + 1);
      out.push('</data></array></value>');
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new CodecError(
        `a ${Object.prototype.toString.call(value).slice(8, -1)} cannot be sent as XML-RPC (plain objects, arrays, dates and Uint8Arrays can)`,
      );
    }
    out.push('<value><struct>');
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      out.push('<member><name>', escapeText(key), '</name>');
      this.value(item, depth + 1);
      out.push('</member>');
    }
    out.push('</struct></value>');
  }
}

function number(value: number): string {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (value >= INT32_MIN && value <= INT32_MAX) return `<int>${value}</int>`;
    if (value >= -I64_LIMIT && value < I64_LIMIT) return `<i8>${BigInt(value)}</i8>`;
  }
  return `<double>${double(value)}</double>`;
}

function double(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  return String(value);
}

/** `YYYYMMDDTHH:MM:SS` in UTC: XML-RPC's form has whole seconds and no zone. */
function dateTime(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new CodecError('an invalid Date cannot be sent as XML-RPC');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new CodecError('XML-RPC dates have four-digit years');
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}
