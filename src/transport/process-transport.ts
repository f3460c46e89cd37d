/**
 * The transport behind `serveParent`, `connectChild` and their reverses: a child process's IPC
 * channel (`ipc-channel.ts`), or its standard input and output, framed (`stream-channel.ts`).
 */
import type { Readable, Writable } from 'node:stream';
import { ConnectionClosedError, UsageError } from '../errors.js';
import { type IpcEndpoint, IpcLink } from './ipc-channel.js';
import type { PeerWatch } from './peer-watch.js';
import { StreamChannel } from './stream-channel.js';
import type { Channel, Listener, TransportModule } from './transport.js';
import { untilIdle } from './until-idle.js';

/** What the process functions pass as `transport` options. */
export type ProcessTransportOptions =
  | {
      readonly via: 'ipc';
      /** Which end of the IPC channel this process is. */
      readonly side: 'parent' | 'child';
      readonly endpoint: IpcEndpoint;
      readonly peer: string;
      readonly watch?: (() => PeerWatch) | undefined;
    }
  | {
      readonly via: 'stdio';
      readonly side: 'parent' | 'child';
      readonly readable: Readable;
      readonly writable: Writable;
      readonly peer: string;
      readonly watch?: (() => PeerWatch) | undefined;
    };

function processOptions(transport: Readonly<Record<string, unknown>>): ProcessTransportOptions {
  const options = transport as Partial<ProcessTransportOptions>;
  if (options.via !== 'ipc' && options.via !== 'stdio') {
    throw new UsageError("a process connection goes 'ipc' or 'stdio'");
  }
  return options as ProcessTransportOptions;
}

function ipcLink(options: Extract<ProcessTransportOptions, { via: 'ipc' }>): IpcLink {
  const link = IpcLink.of(options.endpoint, options.side);
  if (!link.connected) {
    throw new ConnectionClosedError(`there is no open IPC channel to ${options.peer}`);
  }
  return link;
}

function streamChannel(
  options: Extract<ProcessTransportOptions, { via: 'stdio' }>,
  maxFrameBytes: number,
): StreamChannel {
  return new StreamChannel(options.readable, options.writable, {
    peer: options.peer,
    maxFrameBytes,
    watch: options.watch?.(),
    // A parent ends its child's stdin; a child cannot close its own stdout.
    endWritable: options.side === 'parent',
  });
}

/**
 * `dial` opens a connection at once (over IPC, an `open` envelope; over stdio, the one
 * connection the pipes carry). `listen` over IPC takes connections until one has opened and
 * every one since has closed (`untilIdle`), then stops listening so the process can exit; over
 * stdio it hands over the pipes' one connection at once.
 */
export const processTransport: TransportModule = {
  shape: 'channel',
  async dial(_url, options): Promise<Channel> {
    const transport = processOptions(options.transport);
    if (transport.via === 'stdio') return streamChannel(transport, options.maxFrameBytes);
    return ipcLink(transport).dial({
      peer: transport.peer,
      maxFrameBytes: options.maxFrameBytes,
      maxPendingWriteBytes: options.maxPendingWriteBytes,
      watch: transport.watch,
    });
  },
  async listen(url, options): Promise<Listener> {
    const transport = processOptions(options.transport);
    const onChannel = options.handlers.channel;
    if (!onChannel) throw new Error('farcall: process listeners carry channels');
    if (transport.via === 'stdio') {
      onChannel(streamChannel(transport, options.maxFrameBytes));
      return { url, loopback: true, close: async () => {} };
    }
    const stop = ipcLink(transport).accept(
      {
        peer: transport.peer,
        maxFrameBytes: options.maxFrameBytes,
        maxPendingWriteBytes: options.maxPendingWriteBytes,
        watch: transport.watch,
      },
      (channel) => track(channel, onChannel(channel)),
    );
    const track = untilIdle(stop);
    return { url, loopback: true, close: async () => stop() };
  },
};
