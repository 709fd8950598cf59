import net from 'node:net';

export interface DatabaseProxy {
  /** The database URI through the proxy. */
  uri: string;
  /** Delay added to every chunk, each way (0 by default): a database slower than the load. */
  delayMs: number;
  /** Holds every byte from now on, each way, connections kept open: a database that hangs without refusing. */
  hold(): void;
  /** Lets the held bytes through, in order, and forwards as before. */
  release(): void;
  /** Stops accepting connections and drops every open one, as a crashed database would. */
  cut(): Promise<void>;
  /** Accepts connections again on the same address after a cut, as a restarted database would. */
  restore(): Promise<void>;
}

/** A TCP proxy in front of the test database, that a test can slow down or cut. */
export async function databaseProxy(mongoUri: string): Promise<DatabaseProxy> {
  const target = new URL(mongoUri);
  const sockets = new Set<net.Socket>();
  let held: Array<() => void> | undefined;
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk) => {
      // Timers of equal delay fire in the order they were set: the byte stream stays in order.
      const write = () => (proxy.delayMs > 0 ? setTimeout(() => to.write(chunk), proxy.delayMs) : to.write(chunk));
      if (held) held.push(write);
      else write();
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 27017), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
      socket.on('error', () => undefined);
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const proxied = new URL(mongoUri);
  proxied.host = `127.0.0.1:${port}`;
  // Through the proxy only: never follow the server's own address list around it.
  proxied.searchParams.set('directConnection', 'true');
  const proxy: DatabaseProxy = {
    uri: proxied.toString(),
    delayMs: 0,
    hold() {
      held ??= [];
    },
    release() {
      const writes = held ?? [];
      held = undefined;
      for (const write of writes) write();
    },
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async restore() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
  return proxy;
}
