/**
 * A `Caller` that runs client interceptors (`connect(url, { use })`) around another caller, so
 * every kind of connection (a channel session, HTTP, a worker) gets them the same way. It is
 * put in front only when interceptors are installed.
 */
import type { Caller, CallOptions } from './caller.js';
import { type ClientCall, type ClientInterceptor, runChain, sentOptions } from './interceptors.js';
import type { Logger } from './logger.js';
import { describe } from './wire-error.js';

/** `ClientCall` with the field the last step writes. */
interface Call extends ClientCall {
  responseMeta: Readonly<Record<string, string>> | undefined;
}

export class InterceptingCaller implements Caller {
  readonly url: string;

  constructor(
    private readonly inner: Caller,
    private readonly interceptors: readonly ClientInterceptor[],
    private readonly logger: Logger,
  ) {
    this.url = inner.url;
  }

  /**
   * Runs the interceptors, then the call. Rejects as the inner caller does, or with what an
   * interceptor threw. `onResponseMeta` is called once, when the chain has settled, with the
   * metadata of the last answer (after retries); not at all when no answer came.
   */
  call(
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const call = this.callOf('call', method, args, options);
    const last = () =>
      this.inner.call(
        call.method,
        call.args,
        sentOptions(call, (meta) => {
          call.responseMeta = meta;
        }),
      );
    const settled = runChain(this.interceptors, call, last, false);
    const report = options?.onResponseMeta;
    if (!report) return settled;
    const tell = () => {
      if (call.responseMeta) report(call.responseMeta);
    };
    return settled.then(
      (value) => {
        tell();
        return value;
      },
      (error: unknown) => {
        tell();
        throw error;
      },
    );
  }

  /**
   * Runs the interceptors, then sends the notification. When the chain reaches the sending
   * synchronously (interceptors that change the call and call `next()` before any `await`),
   * what sending throws (a closed connection, a protocol without notifications) is thrown here,
   * as without interceptors. Anything else that fails, an interceptor's own error included,
   * happens after `notify` returned and is logged: a notification has no one to reject.
   */
  notify(method: string, args: readonly unknown[], options: CallOptions | undefined): void {
    const call = this.callOf('notify', method, args, options);
    let returned = false;
    let thrown: { error: unknown } | undefined;
    const last = () => {
      try {
        this.inner.notify(call.method, call.args, sentOptions(call, undefined));
      } catch (error) {
        if (!returned) thrown = { error };
        throw error;
      }
      return undefined;
    };
    runChain(this.interceptors, call, last, false).catch((error: unknown) => {
      if (thrown?.error === error) return; // thrown to the caller already
      this.logger.warn(`notification '${method}' to ${this.url} failed: ${describe(error)}`);
    });
    returned = true;
    if (thrown) throw thrown.error;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private callOf(
    kind: 'call' | 'notify',
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
  ): Call {
    return {
      kind,
      method,
      args,
      meta: { ...options?.meta },
      timeout: options?.timeout,
      signal: options?.signal,
      kwargs: options?.kwargs,
      responseMeta: undefined,
      url: this.url,
    };
  }
}
