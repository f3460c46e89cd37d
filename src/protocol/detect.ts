/**
 * What the other end seems to speak, from the first frame it sent, for the error a user sees
 * when the protocols do not match ("the server speaks the farcall protocol: use …"). Looks at
 * a few bytes only, never decodes.
 */

const CHALLENGE = '#CHALLENGE#';
const FAILURE = '#FAILURE#';

function startsWithText(frame: Uint8Array, text: string): boolean {
  if (frame.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (frame[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Whether `frame` is a native HELLO (`[0, "farcall", …]`). */
export function isFarcallHello(frame: Uint8Array): boolean {
  // 0x94: an array of 4; 0x00: HELLO; 0xa7 + "farcall".
  return (
    frame[0] === 0x94 &&
    frame[1] === 0x00 &&
    frame[2] === 0xa7 &&
    startsWithText(frame.subarray(3), 'farcall')
  );
}

/** Whether `frame` opens Python's multiprocessing authkey handshake. */
export function isPythonChallenge(frame: Uint8Array): boolean {
  return startsWithText(frame, CHALLENGE) || startsWithText(frame, FAILURE);
}

/** Whether `frame` looks like a pickle (PROTO opcode 0x80 with a protocol number 2 to 5). */
export function isPickle(frame: Uint8Array): boolean {
  return frame[0] === 0x80 && frame[1] !== undefined && frame[1] >= 2 && frame[1] <= 5;
}

/** A hint naming the protocol `frame` belongs to, or undefined when nothing is recognised. */
export function foreignHint(frame: Uint8Array): string | undefined {
  if (isFarcallHello(frame))
    return "it speaks the farcall protocol: use protocol 'farcall' (--protocol farcall)";
  if (isPythonChallenge(frame)) {
    return "it speaks Python's multiprocessing protocol (it sent an authkey challenge): use protocol 'python' (--protocol python)";
  }
  if (isPickle(frame)) return "it sends pickles: use protocol 'python' (--protocol python)";
  return undefined;
}
