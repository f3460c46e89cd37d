/**
 * `farcall/zeromq`: what a ZeroMQ user imports directly. `serve` and `connect` already take
 * `zmq+tcp://` URLs (the transport loads the optional `zeromq` package on first use); this
 * entry adds the device that puts several servers behind one address, and the transport module
 * itself, for `registerTransport` under another scheme. See docs/scaling.md.
 */

export { zmqTransport } from './transport/zmq.js';
export { type Device, type DeviceOptions, device } from './transport/zmq-device.js';
