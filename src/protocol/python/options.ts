/**
 * The three message forms of the Cookbook recipe (11.8). `Connection.send` pickles whatever it
 * is given, so every frame is a pickle; what is inside it tells the form:
 * - `pickle` (the recipe's main form): `send(pickle.dumps((name, args, kwargs)))`, a pickled
 *   `bytes` holding the pickled tuple; answers `send(pickle.dumps(r))` likewise;
 * - `single`: `send((name, args, kwargs))`, the tuple pickled once; answers `send(r)`;
 * - `json`: `send(json.dumps((name, args, kwargs)))`, a pickled `str` of JSON; answers
 *   `send(json.dumps(r))`, and on an error `send(json.dumps(str(e)))`.
 */
export type PythonForm = 'pickle' | 'single' | 'json';

/** Options under `python` in `serve`/`connect`. */
export interface PythonOptions {
  /** Client only: how calls are written (the recipe's variants). Default `'pickle'` (double). */
  form?: PythonForm;
  /** Pickle protocol written. Default 4 (Python >= 3.4); 2 or 3 for older readers. */
  pickleProtocol?: 2 | 3 | 4;
  /**
   * Accept HMAC-MD5 in the authkey handshake (Python <= 3.11 peers only speak it). Default
   * true. Setting false refuses those peers and any downgrade to MD5; see `handshake.ts`.
   */
  allowMd5?: boolean;
}
