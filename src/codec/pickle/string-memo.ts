/**
 * The encoder's memo of strings, by value. A JavaScript string has no identity, so the same
 * text written twice becomes one memo entry and a GET, as one `str` object does in CPython's
 * pickler; a list holding one 1 MiB string 300 times encodes to about 1 MiB, not 300.
 *
 * Every lookup must cost about the same whatever the strings already seen, since a decoded
 * value can repeat one string a million times through memo GETs and the encoder looks it up
 * each time. A `Map` keyed by the string does that up to V8's hashed length (16,383 UTF-16
 * units): the hash covers the whole text and is kept in the string. Past that length V8
 * hashes the length only, so distinct long strings of one length all collide, and every
 * lookup compares against them all (1,000 strings of 20,000 units took 2.3 s in a `Map`).
 * Long strings go to a crit-bit tree per length instead: a lookup reads one code unit per
 * level and then compares against one candidate, which for the same string value is a pointer
 * comparison, so repeating a string costs a walk of the tree and nothing in its length.
 *
 * A walk is as deep as the strings make it: 1,000 strings that differ from the next at one
 * later code unit make a chain 1,000 levels deep, and without identity no lookup can tell them
 * apart reading fewer units than that. So the walks of one encode are bounded: 64 levels a
 * lookup on average, after a first `FREE_STEPS`, which keeps the work linear in the number of
 * lookups. Strings that differ at scattered places (any text but near-copies of one another)
 * make trees about log2(count) deep and never come near; past it, the encode fails with a
 * `LimitError` rather than take seconds.
 */
import { LimitError } from '../../errors.js';

/** The longest string V8 hashes over its whole content (`String::kMaxHashCalcLength`). */
const MAX_HASHED_LENGTH = 16_383;

/** Tree levels one encode may walk through beyond 64 per lookup (about 0.1 s of walking). */
const FREE_STEPS = 1 << 24;
/** Tree levels a lookup may walk through on average, past `FREE_STEPS`. */
const STEPS_PER_LOOKUP = 64;

class Leaf {
  constructor(
    readonly text: string,
    readonly index: number,
  ) {}
}

/** Strings below it differ at code unit `position`, in the bit `mask`: `side` picks one. */
class Branch {
  constructor(
    readonly position: number,
    readonly mask: number,
    readonly children: [Tree, Tree],
  ) {}
}

type Tree = Leaf | Branch;

function side(text: string, branch: Branch): 0 | 1 {
  return (text.charCodeAt(branch.position) & branch.mask) === 0 ? 0 : 1;
}

/** Its maps are made on first use: most pickles are small calls, where a `Map` costs. */
export class StringMemo {
  private hashed: Map<string, number> | undefined;
  /** Crit-bit trees of the long strings, by length: strings of one length differ somewhere. */
  private long: Map<number, Tree> | undefined;
  /** Levels walked, less the allowance of the lookups so far: see the top of the file. */
  private steps = -FREE_STEPS;

  /**
   * The one leaf that can hold `text`: the one that agrees with it on every branch's bit.
   *
   * @throws {LimitError} past the walking budget (see the top of the file).
   */
  private candidate(tree: Tree, text: string): Leaf {
    this.steps -= STEPS_PER_LOOKUP;
    let node = tree;
    while (node instanceof Branch) {
      if (++this.steps > 0) {
        throw new LimitError(
          'farcall: pickle cannot encode in bounded time a value that repeats this many long strings that are near-copies of each other',
        );
      }
      node = node.children[side(text, node)];
    }
    return node;
  }

  /**
   * The memo index of `text`, or `undefined` when it was not written before.
   *
   * @throws {LimitError} past the walking budget (see the top of the file).
   */
  get(text: string): number | undefined {
    if (text.length <= MAX_HASHED_LENGTH) {
      return this.hashed?.get(text);
    }
    const tree = this.long?.get(text.length);
    if (tree === undefined) {
      return undefined;
    }
    const leaf = this.candidate(tree, text);
    return leaf.text === text ? leaf.index : undefined;
  }

  /**
   * Records `text` (not recorded before) under memo `index`. For a long string it costs one
   * walk of its tree plus a scan of `text` up to where it differs from its nearest neighbour,
   * which the caller pays for anyway by writing `text` out in full.
   */
  set(text: string, index: number): void {
    if (text.length <= MAX_HASHED_LENGTH) {
      this.hashed ??= new Map();
      this.hashed.set(text, index);
      return;
    }
    const leaf = new Leaf(text, index);
    this.long ??= new Map();
    const tree = this.long.get(text.length);
    if (tree === undefined) {
      this.long.set(text.length, leaf);
      return;
    }
    const nearest = this.candidate(tree, text).text;
    let position = 0;
    while (position < text.length && nearest.charCodeAt(position) === text.charCodeAt(position)) {
      position++;
    }
    if (position === text.length) {
      return;
    }
    const differ = nearest.charCodeAt(position) ^ text.charCodeAt(position);
    const mask = 1 << (31 - Math.clz32(differ));
    // The new branch goes above the first branch that tests a later bit than it does.
    let parent: Branch | undefined;
    let parentSide: 0 | 1 = 0;
    let node = tree;
    while (
      node instanceof Branch &&
      (node.position < position || (node.position === position && node.mask > mask))
    ) {
      parent = node;
      parentSide = side(text, node);
      node = node.children[parentSide];
    }
    const children: [Tree, Tree] =
      (text.charCodeAt(position) & mask) === 0 ? [leaf, node] : [node, leaf];
    const branch = new Branch(position, mask, children);
    if (parent === undefined) {
      this.long.set(text.length, branch);
    } else {
      parent.children[parentSide] = branch;
    }
  }
}
