/**
 * Interoperability with CPython: every value in `test/python/pickle_vectors.py`, pickled by
 * CPython at protocols 0 to 5, must decode to exactly the described JavaScript value; and that
 * value, encoded again at protocols 2, 3 and 4, must load in CPython as an equal value of the
 * same type (checked in one batch by `test/python/pickle_check.py`).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { decodePickle, encodePickle } from '../../src/codec/pickle/index.js';
import { describeWithPython, findPython, pythonCommand } from '../helpers/python.js';
import { type Description, mismatch } from './describe-value.js';

interface Vector {
  name: string;
  pickles: Record<string, string>;
  expected: Description;
}

interface CheckResult {
  id: string;
  ok: boolean;
  detail: string | null;
  type?: string;
  repr?: string;
}

const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));
const PROTOCOLS = ['0', '1', '2', '3', '4', '5'];
const ENCODE_PROTOCOLS = [2, 3, 4] as const;

function runPython(script: string, input?: string): string {
  return execFileSync(pythonCommand(), [`${PYTHON_DIR}${script}`], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

// The vectors are needed while the tests are collected (one test per vector), so they are
// loaded here; without Python the suite is skipped and there is nothing to load.
const vectors: Vector[] =
  findPython() === undefined ? [] : JSON.parse(runPython('pickle_vectors.py'));

describeWithPython('pickle: CPython vectors', () => {
  it('has the whole table', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(50);
  });

  for (const vector of vectors) {
    it(`decodes ${vector.name} at protocols 0-5`, () => {
      for (const protocol of PROTOCOLS) {
        const value = decodePickle(Buffer.from(vector.pickles[protocol]!, 'hex'));
        const problem = mismatch(vector.expected, value, new Map());
        expect(problem, `protocol ${protocol}`).toBeUndefined();
      }
    });
  }
});

describeWithPython('pickle: encoded values load in CPython', () => {
  const results = new Map<string, CheckResult>();

  beforeAll(() => {
    // One Python process checks every vector at every protocol.
    const checks = vectors.flatMap((vector) => {
      const expected = vector.pickles['4']!;
      const value = decodePickle(Buffer.from(expected, 'hex'));
      return ENCODE_PROTOCOLS.map((protocol) => ({
        id: `${vector.name}@${protocol}`,
        expected,
        actual: Buffer.from(encodePickle(value, { protocol })).toString('hex'),
      }));
    });
    const answers: CheckResult[] = JSON.parse(runPython('pickle_check.py', JSON.stringify(checks)));
    for (const answer of answers) {
      results.set(answer.id, answer);
    }
  });

  for (const vector of vectors) {
    it(`round-trips ${vector.name} through protocols 2-4`, () => {
      for (const protocol of ENCODE_PROTOCOLS) {
        const result = results.get(`${vector.name}@${protocol}`);
        expect(result, `protocol ${protocol}`).toBeDefined();
        expect(result!.detail, `protocol ${protocol}: ${result!.repr}`).toBeNull();
        expect(result!.ok).toBe(true);
      }
    });
  }
});
