/**
 * Opcodes that move values around rather than make them: marks, POP, DUP, the memo, PROTO,
 * FRAME and STOP.
 */
import { CodecError } from '../../errors.js';
import type { Machine } from './machine.js';
import { HIGHEST_PROTOCOL, OP } from './opcodes.js';
import type { OpTable } from './ops-table.js';
import { asciiLine } from './text.js';

/** POP: drops the top value or, on an empty stack, the innermost mark (as CPython does). */
function pop(m: Machine): void {
  if (m.stack.length > 0) {
    m.stack.pop();
  } else if (m.openMarks > 0) {
    m.popMark('POP');
  } else {
    throw new CodecError('farcall: pickle stack underflow at POP');
  }
}

/** PUT and GET take a decimal memo index on a line. */
function textIndex(m: Machine, what: string): number {
  const text = asciiLine(m.reader.line(what));
  if (!/^\d{1,15}$/.test(text)) {
    throw new CodecError(`farcall: pickle ${what} has a bad memo index`);
  }
  return Number(text);
}

function proto(m: Machine): void {
  const version = m.reader.u8('PROTO');
  if (version > HIGHEST_PROTOCOL) {
    throw new CodecError(`farcall: pickle protocol ${version} is not supported`);
  }
}

/** FRAME only groups opcodes for buffered reading; its length must still fit the input. */
function frame(m: Machine): void {
  m.reader.length64('FRAME');
}

/** STOP: the single value left on the stack is the result; anything else is malformed. */
function stop(m: Machine): void {
  if (m.openMarks > 0) {
    throw new CodecError('farcall: pickle STOP with a MARK still open');
  }
  if (m.stack.length === 0) {
    throw new CodecError('farcall: pickle stack underflow at STOP');
  }
  if (m.stack.length > 1) {
    throw new CodecError(`farcall: pickle STOP with ${m.stack.length} values on the stack`);
  }
  m.result = { value: m.stack[0] };
}

/** The table entries for every stack, memo and framing opcode. */
export function stackOps(): OpTable {
  return [
    [OP.MARK, (m) => m.mark()],
    [OP.POP, pop],
    [OP.POP_MARK, (m) => void m.popMark('POP_MARK')],
    [OP.DUP, (m) => m.pushAgain(m.top('DUP'))],
    [OP.PUT, (m) => m.memoPut(textIndex(m, 'PUT'), 'PUT')],
    [OP.BINPUT, (m) => m.memoPut(m.reader.u8('BINPUT'), 'BINPUT')],
    [OP.LONG_BINPUT, (m) => m.memoPut(m.reader.u32('LONG_BINPUT'), 'LONG_BINPUT')],
    [OP.MEMOIZE, (m) => m.memoPut(m.memo.size, 'MEMOIZE')],
    [OP.GET, (m) => m.pushAgain(m.memoGet(textIndex(m, 'GET')))],
    [OP.BINGET, (m) => m.pushAgain(m.memoGet(m.reader.u8('BINGET')))],
    [OP.LONG_BINGET, (m) => m.pushAgain(m.memoGet(m.reader.u32('LONG_BINGET')))],
    [OP.PROTO, proto],
    [OP.FRAME, frame],
    [OP.STOP, stop],
  ];
}
