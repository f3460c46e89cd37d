import type { Machine } from './machine.js';

/** Runs one opcode (its code already read) against the machine. */
export type OpHandler = (m: Machine) => void;

/** Opcode handlers by code, as the `ops-*.ts` files list them. */
export type OpTable = ReadonlyArray<readonly [number, OpHandler]>;
