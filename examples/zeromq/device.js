// A ZeroMQ queue device in front of several farcall servers: clients connect to its front end
// (with ?exchange), servers to its back end (serve on ?connect). This is all of it: libzmq's
// own proxy between a ROUTER and a DEALER; `farcall/zeromq` exports the same as `device()`.
//
//   node examples/zeromq/device.js [FRONT_PORT] [BACK_PORT] [HOST]     (port 0 picks one)
import * as zmq from 'zeromq';

const [front = '5555', back = '5556', host = '127.0.0.1'] = process.argv.slice(2);
const at = (port) => `tcp://${host}:${port === '0' ? '*' : port}`;

const frontend = new zmq.Router();
const backend = new zmq.Dealer();
await frontend.bind(at(front));
await backend.bind(at(back));
console.log(`clients connect to zmq+${frontend.lastEndpoint}?exchange`);
console.log(`servers serve on zmq+${backend.lastEndpoint}?connect`);
await new zmq.Proxy(frontend, backend).run();
