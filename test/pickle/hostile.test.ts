/**
 * Hand-built hostile pickles: dangerous globals and opcodes, and prototype pollution. Each
 * must be refused with a `CodecError` (never another error, never a hang) and leave no trace.
 * Limits, truncation and malformed stacks are in `hostile-limits.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { decodePickle } from '../../src/codec/pickle/index.js';
import { p, refused, sbu, u32 } from './hostile-bytes.js';

describe('pickle hostile: globals', () => {
  it('refuses os.system via GLOBAL before REDUCE', () => {
    refused(p("cos\nsystem\n(S'echo pwned'\ntR."), 'global os.system is not allowed');
  });

  it('refuses os.system via STACK_GLOBAL (protocol 4)', () => {
    const bytes = p(0x80, 4, sbu('os'), sbu('system'), 0x93, sbu('echo'), 0x85, 'R.');
    refused(bytes, 'global os.system is not allowed');
  });

  it('refuses STACK_GLOBAL of names built from memoized strings', () => {
    const bytes = p(0x80, 4, sbu('os'), 0x94, sbu('system'), 0x94, 'h', 0, 'h', 1, 0x93, '.');
    refused(bytes, 'global os.system is not allowed');
  });

  it.each([
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['builtins', 'getattr'],
    ['builtins', '__import__'],
    ['builtins', 'open'],
    ['builtins', 'object'],
    ['builtins', 'type'],
    ['__builtin__', 'eval'],
    ['subprocess', 'Popen'],
    ['posix', 'system'],
    ['nt', 'system'],
    ['copyreg', '_reconstructor'],
    ['copy_reg', '_reconstructor'],
    ['functools', 'partial'],
    ['operator', 'attrgetter'],
    ['pickle', 'loads'],
    ['codecs', 'encode'],
    ['_codecs', 'decode'],
    ['multiprocessing.connection', 'Client'],
    ['collections', 'OrderedDict.fromkeys'],
    ['builtins', 'TypeError.__init__'],
    ['builtins', '__class__'],
    ['datetime', 'datetime.now'],
    ['__main__', 'MyError'],
  ])('refuses %s.%s at GLOBAL and STACK_GLOBAL', (module, name) => {
    const message = `global ${module}.${name} is not allowed`;
    refused(p(`c${module}\n${name}\n)R.`), message);
    refused(p(0x80, 4, sbu(module), sbu(name), 0x93, ')R.'), message);
  });

  it('refuses __builtin__.eval in a protocol 0 pickle', () => {
    refused(p('c__builtin__\neval\n(Vprint(1)\ntR.'), 'global __builtin__.eval is not allowed');
  });

  it('names a weird global safely (quoted, cut short)', () => {
    const error = refused(
      p(0x80, 4, sbu('os\u0000x'), sbu('y'.repeat(200)), 0x93, '.'),
      'is not allowed',
    );
    expect(error.message.length).toBeLessThan(220);
  });

  it('refuses an allowed global used as a value rather than called', () => {
    refused(p('cbuiltins\nTypeError\n.'), 'can only be called');
    refused(
      p('cdatetime\ntimedelta\n(I0\nI0\nI0\ntR.'),
      'only supported as part of a UTC datetime',
    );
  });

  it('refuses _codecs.encode with any shape but (str, "latin1")', () => {
    refused(p('c_codecs\nencode\n(Vx\nVutf-8\ntR.'), "exactly (str, 'latin1')");
    refused(p('c_codecs\nencode\n(Vx\ntR.'), "exactly (str, 'latin1')");
    refused(
      p(0x80, 3, 'c_codecs\nencode\nC', 1, 'xVlatin1\n', 0x86, 'R.'),
      "exactly (str, 'latin1')",
    );
    refused(p('c_codecs\nencode\n(V\\u0100\nVlatin1\ntR.'), 'above U+00FF');
  });

  it('refuses REDUCE on a non-global and without an argument tuple', () => {
    refused(p('])R.'), 'not an allowed global');
    refused(p('cbuiltins\nset\n]R.'), 'without a tuple');
    refused(p('cbuiltins\nset\n(K\x01K\x02tR.'), 'takes one list, tuple or set');
  });

  it('refuses arguments an allowed class does not take', () => {
    refused(p("cdecimal\nDecimal\n(V__import__('os')\ntR."), 'one decimal string');
    refused(p('cdatetime\ntimedelta\n(I1\nI0\nI0\ntR.'), 'zero UTC offset');
    const hourAhead = 'cdatetime\ntimezone\n(cdatetime\ntimedelta\n(I0\nI3600\nI0\ntRtR';
    refused(p(hourAhead, '.'), 'zero UTC offset');
    refused(p('cdatetime\ndatetime\n(C\x02abtR.'), 'state must be 10 bytes');
    refused(p('cdatetime\ndate\n(C\x04\x07\xe8\x0d\x01tR.'), 'not a valid date');
  });
});

describe('pickle hostile: object opcodes', () => {
  it('refuses INST, naming a disallowed class first', () => {
    refused(p("(S'ls'\nios\nsystem\n."), 'global os.system is not allowed');
    refused(p('(i__builtin__\nset\n.'), 'opcode INST is not supported');
  });

  it('refuses OBJ, NEWOBJ and NEWOBJ_EX even for allowed classes', () => {
    refused(p('(cbuiltins\nset\no.'), 'opcode OBJ is not supported');
    refused(p(0x80, 2, 'cbuiltins\nset\n)', 0x81, '.'), 'opcode NEWOBJ is not supported');
    refused(p(0x80, 4, 'cbuiltins\nset\n)}', 0x92, '.'), 'opcode NEWOBJ_EX is not supported');
  });

  it('refuses BUILD on anything but an exception, and odd BUILDs on exceptions', () => {
    refused(p(']}b.'), 'BUILD is only allowed on an exception');
    refused(p('cbuiltins\nset\n)R}b.'), 'BUILD is only allowed on an exception');
    refused(p('cdecimal\nDecimal\n(V1\ntR}b.'), 'BUILD is only allowed on an exception');
    refused(p('cbuiltins\nValueError\n)R]b.'), 'must be a dict');
    refused(p('cbuiltins\nValueError\n)R}b}b.'), 'BUILD applied twice');
  });

  it('refuses the extension registry, persistent ids and out-of-band buffers', () => {
    refused(p(0x80, 2, 0x82, 1, '.'), 'opcode EXT1 is not supported');
    refused(p(0x80, 2, 0x83, 1, 0, '.'), 'opcode EXT2 is not supported');
    refused(p(0x80, 2, 0x84, u32(1), '.'), 'opcode EXT4 is not supported');
    refused(p('P1\n.'), 'opcode PERSID is not supported');
    refused(p('NQ.'), 'opcode BINPERSID is not supported');
    refused(p(0x80, 5, 0x97, '.'), 'opcode NEXT_BUFFER is not supported');
    refused(p(0x80, 5, 'C', 1, 'x', 0x98, '.'), 'opcode READONLY_BUFFER is not supported');
  });

  it('refuses unknown opcodes and protocols, naming them', () => {
    refused(p(0xff), 'opcode 0xff is unknown');
    refused(p('N', 0x00, '.'), 'opcode 0x00 is unknown');
    refused(p(0x80, 6, 'N.'), 'protocol 6 is not supported');
  });

  it('refuses bytes after STOP', () => {
    refused(p('N.N'), '1 bytes after STOP');
  });
});

describe('pickle hostile: prototypes', () => {
  it('keeps __proto__ and constructor keys as own data properties', () => {
    const inner = p('}', sbu('polluted'), 'K\x01s');
    const bytes = p(
      0x80,
      4,
      '}(',
      sbu('__proto__'),
      inner,
      sbu('constructor'),
      '}',
      sbu('prototype'),
      inner,
      's',
      'u.',
    );
    const value = decodePickle(bytes) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(value).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('keeps __proto__ keys inert through the protocol 0 DICT opcode', () => {
    const value = decodePickle(p('(V__proto__\n(dVpolluted\nI1\nsd.')) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
