/**
 * Opcodes that name globals or call them: the dangerous part of pickle. GLOBAL, STACK_GLOBAL
 * and INST resolve their name against the allow-list first, so a disallowed name is refused
 * where it appears. REDUCE calls only an allowed global's handler; BUILD only sets the state
 * of an exception, as data. Opcodes that exist to create arbitrary objects or reach outside
 * the stream (OBJ, NEWOBJ, NEWOBJ_EX, EXT*, PERSID, out-of-band buffers) are always refused.
 */
import { CodecError } from '../../errors.js';
import { resolveGlobal } from './globals.js';
import type { Machine } from './machine.js';
import { DictNode, ExceptionNode, GlobalNode, TupleNode } from './nodes.js';
import { OP } from './opcodes.js';
import type { OpTable } from './ops-table.js';
import { decodeUtf8 } from './text.js';

/** GLOBAL (and INST): the module and name, each on a line, as UTF-8. */
function readGlobalName(m: Machine, what: string): GlobalNode {
  const module = decodeUtf8(m.reader.line(what), `${what} module`);
  const name = decodeUtf8(m.reader.line(what), `${what} name`);
  return resolveGlobal(module, name);
}

function stackGlobal(m: Machine): void {
  const name = m.pop('STACK_GLOBAL');
  const module = m.pop('STACK_GLOBAL');
  if (typeof module !== 'string' || typeof name !== 'string') {
    throw new CodecError('farcall: pickle STACK_GLOBAL needs two str values');
  }
  m.push(resolveGlobal(module, name));
}

/** INST: the name is checked (and a disallowed one named) before INST itself is refused. */
function inst(m: Machine): void {
  const global = readGlobalName(m, 'INST');
  throw new CodecError(
    `farcall: pickle opcode INST is not supported (class ${global.qualifiedName})`,
  );
}

function reduce(m: Machine): void {
  const args = m.pop('REDUCE');
  const callable = m.pop('REDUCE');
  if (!(callable instanceof GlobalNode)) {
    throw new CodecError('farcall: pickle REDUCE on a value that is not an allowed global');
  }
  if (!(args instanceof TupleNode)) {
    throw new CodecError(`farcall: pickle REDUCE of ${callable.qualifiedName} without a tuple`);
  }
  m.push(callable.handler(args, m, callable.qualifiedName));
}

/**
 * BUILD: only on an exception, only once, and only with a dict (or None) as state, which is
 * kept as the exception's attribute dict. Nothing is called.
 */
function build(m: Machine): void {
  const state = m.pop('BUILD');
  const target = m.top('BUILD');
  if (!(target instanceof ExceptionNode)) {
    throw new CodecError('farcall: pickle BUILD is only allowed on an exception');
  }
  if (target.built) {
    throw new CodecError('farcall: pickle BUILD applied twice to the same exception');
  }
  if (state !== null && !(state instanceof DictNode)) {
    throw new CodecError('farcall: pickle BUILD state of an exception must be a dict');
  }
  target.built = true;
  target.state = state ?? undefined;
}

function refuse(name: string, reason: string): (m: Machine) => void {
  return () => {
    throw new CodecError(`farcall: pickle opcode ${name} is not supported (${reason})`);
  };
}

/** The table entries for every global, call and refused object opcode. */
export function objectOps(): OpTable {
  return [
    [OP.GLOBAL, (m) => m.push(readGlobalName(m, 'GLOBAL'))],
    [OP.STACK_GLOBAL, stackGlobal],
    [OP.INST, inst],
    [OP.REDUCE, reduce],
    [OP.BUILD, build],
    [OP.OBJ, refuse('OBJ', 'it creates arbitrary objects')],
    [OP.NEWOBJ, refuse('NEWOBJ', 'it creates arbitrary objects')],
    [OP.NEWOBJ_EX, refuse('NEWOBJ_EX', 'it creates arbitrary objects')],
    [OP.EXT1, refuse('EXT1', 'the extension registry is not used')],
    [OP.EXT2, refuse('EXT2', 'the extension registry is not used')],
    [OP.EXT4, refuse('EXT4', 'the extension registry is not used')],
    [OP.PERSID, refuse('PERSID', 'persistent ids are not used')],
    [OP.BINPERSID, refuse('BINPERSID', 'persistent ids are not used')],
    [OP.NEXT_BUFFER, refuse('NEXT_BUFFER', 'out-of-band buffers are not used')],
    [OP.READONLY_BUFFER, refuse('READONLY_BUFFER', 'out-of-band buffers are not used')],
  ];
}
