/**
 * The module the README's command-line examples serve, verbatim:
 *
 *   npx farcall serve examples/api.ts --listen tcp://127.0.0.1:7000 --authkey peekaboo
 *
 * Its named exports are the methods; the exported object `math` is a namespace (`math.mul`).
 */

export function add(x: number, y: number): number {
  return x + y;
}

export function sub(x: number, y: number): number {
  if (typeof x !== 'number' || typeof y !== 'number') {
    throw new TypeError('sub takes two numbers');
  }
  return x - y;
}

export function greet(name: string): string {
  return `hello, ${name}`;
}

export const math = {
  mul: (x: number, y: number) => x * y,
};
