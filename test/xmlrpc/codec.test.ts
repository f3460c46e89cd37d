/**
 * The XML-RPC codec alone: every type both ways, exact documents for a few values, the
 * grammar checked as it is read, and what it refuses (DTDs, entities, deep or huge documents,
 * values XML-RPC cannot carry).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeXmlRpc, NotXmlRpcError } from '../../src/codec/xmlrpc/decode.js';
import {
  encodeXmlRpcCall,
  encodeXmlRpcFault,
  encodeXmlRpcResponse,
} from '../../src/codec/xmlrpc/encode.js';
import { CodecError, LimitError } from '../../src/index.js';

const options = { maxDepth: 64, maxItems: 100_000 };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** What XML 1.0 cannot hold: the controls it forbids, U+FFFE/F, lone surrogates. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const call = (params: string) =>
  bytes(
    `<?xml version="1.0"?><methodCall><methodName>m</methodName><params>${params}</params></methodCall>`,
  );
const param = (value: string) => call(`<param><value>${value}</value></param>`);
const readParam = (value: string) => {
  const message = decodeXmlRpc(param(value), options);
  if (message.kind !== 'call') throw new Error('not a call');
  return message.params[0];
};

describe('values both ways', () => {
  it.each([
    ['an int', 7, '<int>7</int>'],
    ['a negative int', -7, '<int>-7</int>'],
    ['a number past 32 bits', 2 ** 40, '<i8>1099511627776</i8>'],
    ['a BigInt in 64 bits', -(2n ** 63n), '<i8>-9223372036854775808</i8>'],
    ['a double', 1.5, '<double>1.5</double>'],
    ['infinity as Python writes it', Number.POSITIVE_INFINITY, '<double>inf</double>'],
    ['true', true, '<boolean>1</boolean>'],
    ['false', false, '<boolean>0</boolean>'],
    [
      'a string that needs escaping',
      'a<b & c>\r\nd',
      '<string>a&lt;b &amp; c&gt;&#13;\nd</string>',
    ],
    ['null', null, '<nil/>'],
    [
      'a date',
      new Date(Date.UTC(1998, 6, 17, 14, 8, 55)),
      '<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>',
    ],
    ['bytes', new Uint8Array([0, 255, 7]), '<base64>AP8H</base64>'],
    [
      'an array',
      [1, 'x'],
      '<array><data><value><int>1</int></value><value><string>x</string></value></data></array>',
    ],
    [
      'a struct',
      { k: [null] },
      '<struct><member><name>k</name><value><array><data><value><nil/></value></data></array></value></member></struct>',
    ],
  ])('%s', (_name, value, xml) => {
    expect(text(encodeXmlRpcResponse(value, options))).toBe(
      `<?xml version="1.0"?>\n<methodResponse><params><param><value>${xml}</value></param></params></methodResponse>\n`,
    );
    expect(readParam(xml)).toStrictEqual(value);
  });

  it('reads what Python writes: i4, untyped strings, whitespace between elements, CDATA, ex:nil', () => {
    expect(readParam('<i4>-12</i4>')).toBe(-12);
    expect(readParam('plain text')).toBe('plain text');
    expect(readParam('')).toBe('');
    expect(readParam('\n  <int> 3 </int>\n')).toBe(3);
    expect(readParam('<string><![CDATA[<not a tag>]]></string>')).toBe('<not a tag>');
    expect(readParam('<ex:nil/>')).toBeNull();
    expect(readParam('<double>1e+21</double>')).toBe(1e21);
    expect(readParam('<double>nan</double>')).toBeNaN();
    expect(readParam('<base64>\nAP8H\n</base64>')).toStrictEqual(new Uint8Array([0, 255, 7]));
  });

  it('reads an i8 past 2^53 as a BigInt and one that fits as a number', () => {
    expect(readParam('<i8>9007199254740993</i8>')).toBe(9007199254740993n);
    expect(readParam('<i8>9007199254740991</i8>')).toBe(9007199254740991);
  });

  it('reads dates with dashes, a fraction and a zone', () => {
    expect(
      readParam('<dateTime.iso8601>1998-07-17T14:08:55.250Z</dateTime.iso8601>'),
    ).toStrictEqual(new Date(Date.UTC(1998, 6, 17, 14, 8, 55, 250)));
    expect(readParam('<dateTime.iso8601>19980717T16:08:55+02:00</dateTime.iso8601>')).toStrictEqual(
      new Date(Date.UTC(1998, 6, 17, 14, 8, 55)),
    );
  });

  it('keeps a struct member named __proto__ as data', () => {
    const value = readParam(
      '<struct><member><name>__proto__</name><value><boolean>1</boolean></value></member></struct>',
    ) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('round-trips arbitrary values of the types it carries', () => {
    const scalar = fc.oneof(
      fc.integer(),
      // BigInts that read back as BigInts: past the safe integers (those read as numbers).
      fc
        .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
        .filter((n) => n > MAX_SAFE || n < -MAX_SAFE),
      // Integral doubles past 2^53 are written as i8 and read back as BigInts: left out here.
      fc
        .double({ noNaN: true })
        .filter(
          (d) =>
            !Object.is(d, -0) &&
            !(Number.isInteger(d) && !Number.isSafeInteger(d) && Math.abs(d) < 2 ** 63),
        ),
      fc.boolean(),
      fc.constant(null),
      fc.string({ unit: 'binary' }).filter((s) => !NOT_XML.test(s)),
      fc.uint8Array({ maxLength: 20 }),
      fc.integer({ min: 0, max: 253402300799 }).map((s) => new Date(s * 1000)),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('struct')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      struct: fc.dictionary(
        fc.string({ maxLength: 5 }).filter((k) => /^[\w -]*$/.test(k)),
        tie('node'),
        { maxKeys: 4, noNullPrototype: true },
      ),
    })).node;
    fc.assert(
      fc.property(fc.array(value, { maxLength: 4 }), (params) => {
        const message = decodeXmlRpc(encodeXmlRpcCall('m.x', params, options), options);
        expect(message).toStrictEqual({ kind: 'call', method: 'm.x', params });
      }),
      { numRuns: 100 },
    );
  });
});

describe('faults', () => {
  it('are a struct of faultCode and faultString', () => {
    const message = decodeXmlRpc(encodeXmlRpcFault(-32500, 'TypeError: bad', options), options);
    expect(message).toStrictEqual({
      kind: 'fault',
      fault: { faultCode: -32500, faultString: 'TypeError: bad' },
    });
  });

  it('replace characters XML cannot hold instead of failing', () => {
    const message = decodeXmlRpc(encodeXmlRpcFault(1, 'Error: \u0000', options), options);
    expect(message).toMatchObject({ fault: { faultString: 'Error: \ufffd' } });
  });
});

describe('writing refuses what XML-RPC cannot carry', () => {
  it.each([
    ['a BigInt past 64 bits', 2n ** 63n],
    ['a Map', new Map()],
    ['a Set', new Set([1])],
    ['a function', () => 1],
    ['a class instance', new (class Point {})()],
    ['a control character', 'a\u0001b'],
    ['a lone surrogate', '\ud800'],
    ['an invalid Date', new Date(Number.NaN)],
  ])('%s', (_name, value) => {
    expect(() => encodeXmlRpcResponse(value, options)).toThrow(CodecError);
  });

  it('refuses nesting past maxDepth and cycles as nesting', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => encodeXmlRpcResponse(cycle, options)).toThrow(LimitError);
  });
});

describe('reading refuses', () => {
  const refuses = (document: string | Uint8Array, type: typeof CodecError, message: RegExp) => {
    const input = typeof document === 'string' ? bytes(document) : document;
    let error: unknown;
    try {
      decodeXmlRpc(input, { maxDepth: 8, maxItems: 1000 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  };

  it('a DOCTYPE, with or without entities', () => {
    refuses('<!DOCTYPE methodCall><methodCall/>', CodecError, /DOCTYPE/);
    refuses(
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>&e;</methodName></methodCall>',
      CodecError,
      /DOCTYPE/,
    );
  });

  it('a billion-laughs document, at its DOCTYPE, in time linear in its bytes', () => {
    const entities = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    refuses(
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]><methodCall><methodName>&lol9;</methodName></methodCall>`,
      CodecError,
      /DOCTYPE/,
    );
  });

  it('an entity XML does not define', () => {
    refuses(
      '<methodCall><methodName>&nope;</methodName></methodCall>',
      CodecError,
      /undefined entity/,
    );
  });

  it('bytes that are not UTF-8, and a declared encoding that is not', () => {
    refuses(new Uint8Array([0x3c, 0xff, 0x3e]), CodecError, /not valid UTF-8/);
    refuses(
      '<?xml version="1.0" encoding="ISO-8859-1"?><methodCall/>',
      CodecError,
      /must be UTF-8/,
    );
  });

  it('XML that is not well formed', () => {
    refuses('<methodCall><methodName>x</methodCall>', CodecError, /not well formed/);
  });

  it('values nested past maxDepth, before reading further', () => {
    const deep = `${'<value><array><data>'.repeat(9)}${'</data></array></value>'.repeat(9)}`;
    refuses(call(`<param>${deep}</param>`), LimitError, /deeper than 8 levels/);
  });

  it('more elements than maxItems', () => {
    refuses(
      call('<param><value><int>1</int></value></param>'.repeat(400)),
      LimitError,
      /more than 1000 elements/,
    );
  });

  it.each([
    ['another root', '<html/>', /not an XML-RPC document/],
    [
      'an element out of place',
      '<methodCall><methodName>m</methodName><value/></methodCall>',
      /unexpected <value> in <methodCall>/,
    ],
    [
      'two types in one value',
      '<methodResponse><params><param><value><int>1</int><int>2</int></value></param></params></methodResponse>',
      /more than one/,
    ],
    [
      'text between elements',
      '<methodCall>text<methodName>m</methodName></methodCall>',
      /holds text/,
    ],
    [
      'an int that is not one',
      '<methodResponse><params><param><value><int>1.5</int></value></param></params></methodResponse>',
      /not an integer/,
    ],
    [
      'a boolean that is not 0 or 1',
      '<methodResponse><params><param><value><boolean>yes</boolean></value></param></params></methodResponse>',
      /neither 0 nor 1/,
    ],
    [
      'a response of two params',
      '<methodResponse><params><param><value/></param><param><value/></param></params></methodResponse>',
      /exactly one/,
    ],
    [
      'a call without a name',
      '<methodCall><params/></methodCall>',
      /before <methodName>|without its <methodName>/,
    ],
  ])('%s, as not XML-RPC', (_name, document, message) => {
    refuses(document, NotXmlRpcError, message);
  });
});
