"""The bench's XML-RPC baseline server: Python's own SimpleXMLRPCServer serving `echo`.

Usage: python3 bench/xmlrpc-server.py [IGNORED]   -- prints 'listening on PORT' when ready.
Its request handler speaks HTTP/1.1, so a client keeps its connection, as it does with farcall
(the default, HTTP/1.0, opens a connection per call); and it runs a thread per connection
(ThreadingMixIn), so that several clients with kept connections are served at once.
"""
from socketserver import ThreadingMixIn
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class KeepAliveHandler(SimpleXMLRPCRequestHandler):
    protocol_version = 'HTTP/1.1'


class ThreadedServer(ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True


def main():
    server = ThreadedServer(('127.0.0.1', 0), requestHandler=KeepAliveHandler, logRequests=False)
    server.register_function(lambda x: x, 'echo')
    print(f'listening on {server.server_address[1]}', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
