import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import { createResponse, verifyResponse } from '../../src/protocol/python/handshake.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { HERE } from './support.js';

/**
 * No Python 3.12 is installed here, so the negotiated (`{sha256}`) form is checked against
 * bytes computed by handshake_vectors.py, which applies CPython 3.12's rules with hmac/hashlib.
 */

interface Vector {
  key: string;
  body: string;
  answer: string;
}

describeWithPython('python handshake against CPython 3.12 vectors', () => {
  let vectors: { respond: Vector[]; accept: Vector[]; reject: Vector[] };
  const bytes = (v: Vector) =>
    [v.key, v.body, v.answer].map((hex) => Buffer.from(hex, 'hex')) as [Buffer, Buffer, Buffer];

  beforeAll(() => {
    const out = execFileSync(pythonCommand(), [join(HERE, 'handshake_vectors.py')], {
      encoding: 'utf8',
    });
    vectors = JSON.parse(out);
  });

  it('answers every challenge form byte for byte as 3.12 does', () => {
    expect(vectors.respond.length).toBe(24);
    for (const vector of vectors.respond) {
      const [key, body, answer] = bytes(vector);
      expect(createResponse(key, body).toString('hex'), vector.body).toBe(answer.toString('hex'));
    }
  });

  it("accepts what 3.12 accepts, including a 3.11 peer's raw md5 over the {sha256} body", () => {
    expect(vectors.accept.length).toBe(28);
    for (const vector of vectors.accept) {
      const [key, body, answer] = bytes(vector);
      expect(() => verifyResponse(key, body, answer), vector.answer).not.toThrow();
    }
  });

  it('rejects what 3.12 rejects, with AuthenticationError', () => {
    expect(vectors.reject.length).toBe(16);
    for (const vector of vectors.reject) {
      const [key, body, answer] = bytes(vector);
      expect(() => verifyResponse(key, body, answer), vector.answer).toThrow(AuthenticationError);
    }
  });

  it('rejects every md5 answer when allowMd5 is false', () => {
    const md5 = vectors.accept.filter((v) => {
      const answer = Buffer.from(v.answer, 'hex');
      return answer.length === 16 || answer.subarray(0, 5).toString() === '{md5}';
    });
    expect(md5.length).toBe(12);
    for (const vector of md5) {
      const [key, body, answer] = bytes(vector);
      expect(() => verifyResponse(key, body, answer, false)).toThrow(AuthenticationError);
    }
  });
});
