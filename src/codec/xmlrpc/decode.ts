/**
 * Reading XML-RPC documents: bytes of UTF-8 XML in, a call, a response or a fault out.
 *
 * The XML is parsed by `saxes`, a strict, well-kept SAX parser that never processes a DTD: a
 * document with a DOCTYPE is refused at the DOCTYPE, so no entity is ever defined or expanded
 * (a billion-laughs document costs its bytes and nothing more), and a reference to any entity
 * but XML's five is an error. The document is checked against XML-RPC's grammar element by
 * element as it is read, so a wrong element fails where it stands; values nest at most
 * `maxDepth` arrays and structs deep, and a document has at most `maxItems` elements. The work
 * is linear in the bytes. Errors name elements, never quote text.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { CodecError, LimitError } from '../../errors.js';
import type { CodecOptions } from '../codec.js';

/** A decoded document. */
export type XmlRpcMessage =
  | { readonly kind: 'call'; readonly method: string; readonly params: unknown[] }
  | { readonly kind: 'response'; readonly value: unknown }
  | { readonly kind: 'fault'; readonly fault: unknown };

/** A well-formed XML document that is not XML-RPC (a -32600 fault, where bad XML is -32700). */
export class NotXmlRpcError extends CodecError {}

/** Ints longer than this are refused, as Python refuses them (their conversion is quadratic). */
const MAX_INT_DIGITS = 4300;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Scalar types and what reads their text. */
const SCALARS: ReadonlyMap<string, (text: string) => unknown> = new Map<
  string,
  (text: string) => unknown
>([
  ['int', readInt],
  ['i4', readInt],
  ['i1', readInt],
  ['i2', readInt],
  ['i8', readInt],
  ['biginteger', readInt],
  ['boolean', readBoolean],
  ['double', readDouble],
  ['float', readDouble],
  ['string', (text) => text],
  ['dateTime.iso8601', readDateTime],
  ['base64', readBase64],
  ['nil', readNil],
  ['ex:nil', readNil],
]);

/** Elements that hold text only. */
const TEXT_ELEMENTS = new Set(['methodName', 'name', 'value', ...SCALARS.keys()]);

/** The children each element may have (`value` may hold any type). */
const CHILDREN: Readonly<Record<string, readonly string[]>> = {
  '': ['methodCall', 'methodResponse'],
  methodCall: ['methodName', 'params'],
  methodResponse: ['params', 'fault'],
  params: ['param'],
  param: ['value'],
  fault: ['value'],
  value: ['array', 'struct', ...SCALARS.keys()],
  array: ['data'],
  data: ['value'],
  struct: ['member'],
  member: ['name', 'value'],
};

/** Elements that occur at most once in their parent. */
const ONCE = new Set(['methodName', 'params', 'fault', 'data', 'name', 'array', 'struct']);

class Node {
  text = '';
  /** The value it makes, once a child delivered it (`value`, `param`, `fault`, `member`). */
  value: unknown;
  hasValue = false;
  /** The values of `params` and `data`, in order. */
  readonly items: unknown[] = [];
  /** A struct's members, a member's name, a call's method name. */
  readonly members: Record<string, unknown> = {};
  name: string | undefined;
  readonly seen = new Set<string>();
  constructor(readonly tag: string) {}
}

/**
 * Reads an XML-RPC document. Throws `CodecError` for bytes that are not UTF-8, XML that is not
 * well formed or has a DOCTYPE, and (`NotXmlRpcError`) a document that is not XML-RPC;
 * `LimitError` for values nested past `maxDepth` or more than `maxItems` elements.
 */
export function decodeXmlRpc(bytes: Uint8Array, options: CodecOptions): XmlRpcMessage {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new CodecError('the XML document is not valid UTF-8');
  }
  const parser = idle ?? makeParser();
  idle = undefined;
  const document = new Reader(options.maxDepth, options.maxItems);
  reading = document;
  try {
    parser.write(text).close();
  } catch (error) {
    // The parser stopped mid-document: it is dropped, and the next document gets a new one.
    if (error instanceof CodecError || error instanceof LimitError) throw error;
    // saxes's message names the broken rule; it quotes no content.
    throw new CodecError(`the XML document is not well formed: ${(error as Error).message}`);
  } finally {
    reading = undefined;
  }
  // A parser that reached the end of a document is reset by saxes, and read the next one.
  idle = parser;
  return document.result();
}

/** A parser that finished its last document, kept for the next (decoding is synchronous). */
let idle: SaxesParser | undefined;
/** The document being read, for the parser's handlers. */
let reading: Reader | undefined;

function makeParser(): SaxesParser {
  const parser = new SaxesParser({ xmlns: false, position: false });
  parser.on('doctype', () => {
    throw new CodecError('an XML-RPC document may not have a DOCTYPE (no DTDs, no entities)');
  });
  parser.on('xmldecl', (declaration) => {
    const encoding = declaration.encoding?.toLowerCase();
    if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'us-ascii') {
      throw new CodecError('an XML-RPC document must be UTF-8');
    }
  });
  parser.on('opentag', (tag: SaxesTagPlain) => reading!.open(tag.name));
  parser.on('text', (chunk) => reading!.text(chunk));
  parser.on('cdata', (chunk) => reading!.text(chunk, true));
  parser.on('closetag', (tag: SaxesTagPlain) => reading!.close(tag.name));
  return parser;
}

class Reader {
  private readonly stack: Node[] = [new Node('')];
  private elements = 0;
  private depth = 0;
  private message: XmlRpcMessage | undefined;

  constructor(
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {}

  open(tag: string): void {
    const parent = this.stack.at(-1)!;
    if (++this.elements > this.maxItems) {
      throw new LimitError(
        `the XML document has more than ${this.maxItems} elements (limits.maxItems)`,
      );
    }
    const allowed = CHILDREN[parent.tag];
    if (!allowed?.includes(tag)) throw unexpected(tag, parent.tag);
    const once = ONCE.has(tag) || (tag === 'value' && parent.tag !== 'data');
    // A value has one type, a response params or a fault.
    const single = parent.tag === 'value' || parent.tag === 'methodResponse';
    if ((once && parent.seen.has(tag)) || (single && parent.seen.size > 0)) {
      throw new NotXmlRpcError(`<${parent.tag}> has more than one child of its kind`);
    }
    if (parent.tag === 'value' && parent.text.trim() !== '') {
      throw new NotXmlRpcError('a <value> holds both text and an element');
    }
    if (tag === 'params' && parent.tag === 'methodCall' && !parent.seen.has('methodName')) {
      throw new NotXmlRpcError('<methodCall> has <params> before <methodName>');
    }
    parent.seen.add(tag);
    if (tag === 'array' || tag === 'struct') {
      if (++this.depth > this.maxDepth) {
        throw new LimitError(
          `the XML-RPC value nests deeper than ${this.maxDepth} levels (limits.maxDepth)`,
        );
      }
    }
    this.stack.push(new Node(tag));
  }

  text(chunk: string, cdata = false): void {
    const node = this.stack.at(-1)!;
    if (TEXT_ELEMENTS.has(node.tag)) {
      // Text around a typed child of <value> is layout; a <value> with text only is a string.
      if (!(node.tag === 'value' && node.seen.size > 0)) node.text += chunk;
      else if (chunk.trim() !== '')
        throw new NotXmlRpcError('a <value> holds both text and an element');
    } else if (cdata || chunk.trim() !== '') {
      throw new NotXmlRpcError(`<${node.tag}> holds text where XML-RPC has elements`);
    }
  }

  close(tag: string): void {
    const node = this.stack.pop()!;
    const parent = this.stack.at(-1)!;
    if (tag === 'array' || tag === 'struct') this.depth--;
    const read = SCALARS.get(tag);
    if (read) {
      deliver(parent, read(node.text));
      return;
    }
    switch (tag) {
      case 'value':
        // No type element: the text is a string, as XML-RPC says.
        deliver(parent, node.hasValue ? node.value : node.text);
        return;
      case 'data':
        parent.value = node.items;
        parent.hasValue = true;
        return;
      case 'params':
        parent.value = node.items;
        parent.hasValue = true;
        this.paramsClosed(node, parent);
        return;
      case 'array':
        if (!node.hasValue) throw missing('data', 'array');
        deliver(parent, node.value);
        return;
      case 'struct':
        deliver(parent, node.members);
        return;
      case 'member':
        if (node.name === undefined || !node.hasValue) {
          throw new NotXmlRpcError('a <member> needs a <name> and a <value>');
        }
        // Defined rather than assigned: a member named __proto__ stays a plain key.
        Object.defineProperty(parent.members, node.name, {
          value: node.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        return;
      case 'name':
      case 'methodName':
        parent.name = node.text;
        return;
      case 'param':
        if (!node.hasValue) throw missing('value', 'param');
        parent.items.push(node.value);
        return;
      case 'fault':
        if (!node.hasValue) throw missing('value', 'fault');
        this.message = { kind: 'fault', fault: node.value };
        return;
      case 'methodCall':
        if (node.name === undefined) throw missing('methodName', 'methodCall');
        this.message = {
          kind: 'call',
          method: node.name,
          params: node.hasValue ? (node.value as unknown[]) : [],
        };
        return;
      case 'methodResponse':
        if (this.message === undefined) throw missing('params', 'methodResponse');
        return;
    }
  }

  private paramsClosed(node: Node, parent: Node): void {
    if (parent.tag !== 'methodResponse') return;
    if (node.items.length !== 1) {
      throw new NotXmlRpcError('a <methodResponse> has exactly one <param>');
    }
    this.message = { kind: 'response', value: node.items[0] };
  }

  result(): XmlRpcMessage {
    if (this.message === undefined) throw new NotXmlRpcError('the document is not XML-RPC');
    return this.message;
  }
}

/** A child's value reaches its parent: an item of `data`, or the value of the rest. */
function deliver(parent: Node, value: unknown): void {
  if (parent.tag === 'data') {
    parent.items.push(value);
    return;
  }
  parent.value = value;
  parent.hasValue = true;
}

function unexpected(tag: string, parent: string): NotXmlRpcError {
  const name = tag.length > 40 ? `${tag.slice(0, 40)}…` : tag;
  return new NotXmlRpcError(
    parent === '' ? `<${name}> is not an XML-RPC document` : `unexpected <${name}> in <${parent}>`,
  );
}

function missing(what: string, where: string): NotXmlRpcError {
  return new NotXmlRpcError(`a <${where}> without its <${what}>`);
}

/** An integer of any width: a number where it is exact, else a `BigInt`. */
function readInt(text: string): number | bigint {
  const digits = text.trim();
  if (!isInteger(digits)) throw new NotXmlRpcError('an integer element that is not an integer');
  if (digits.length > MAX_INT_DIGITS + 1) {
    throw new LimitError(`an integer of more than ${MAX_INT_DIGITS} digits`);
  }
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : BigInt(digits);
}

function isInteger(text: string): boolean {
  const start = text[0] === '+' || text[0] === '-' ? 1 : 0;
  if (text.length === start) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function readBoolean(text: string): boolean {
  const t = text.trim();
  if (t === '1') return true;
  if (t === '0') return false;
  throw new NotXmlRpcError('a <boolean> that is neither 0 nor 1');
}

/** Decimal notation, as XML-RPC writes it, and Python's exponents, `inf` and `nan`. */
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: ReadonlyMap<string, number> = new Map([
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
  ['nan', Number.NaN],
]);

function readDouble(text: string): number {
  const t = text.trim();
  const special = SPECIAL.get(t.toLowerCase());
  if (special !== undefined) return special;
  if (t.length > 400 || !DOUBLE.test(t)) {
    throw new NotXmlRpcError('a <double> that is not a number');
  }
  return Number(t);
}

/**
 * `19980717T14:08:55` (XML-RPC's form, Python's too), also with dashes, a fraction and a zone.
 * A time without a zone is read as UTC, the zone farcall writes in.
 */
const DATE_TIME =
  /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

function readDateTime(text: string): Date {
  const match = DATE_TIME.exec(text.trim());
  if (!match) throw new NotXmlRpcError('a <dateTime.iso8601> that is not a date and time');
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59) {
    throw new NotXmlRpcError('a <dateTime.iso8601> out of range');
  }
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  let time = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), ms);
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(time);
}

function readBase64(text: string): Uint8Array {
  // Lenient as Python's decoder is: line breaks and spaces inside are layout.
  const buffer = Buffer.from(text, 'base64');
  const bytes = new Uint8Array(buffer.length);
  bytes.set(buffer);
  return bytes;
}

function readNil(text: string): null {
  if (text.trim() !== '') throw new NotXmlRpcError('a <nil/> with text inside');
  return null;
}
