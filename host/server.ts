import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../core/config/data-dir';
import { resolveHome } from '../core/config/home';
import { createAppService, type AppService, type AppServiceOptions } from '../core/services/app-service';
import { newToken } from './auth';
import { createRequestHandler } from './http-routes';
import { createSocketEndpoint } from './socket-endpoint';
import { inferenceClients } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';

export interface HostOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The real data directory, or null where it is absent. */
  dataDir: string | null;
  /** The data home (catalog, annotation store); default resolveHome(): VESALIUS_HOME or the user data folder. Tests pass a temp folder. */
  home?: string;
  /** The built renderer (default `dist/renderer` in the project). */
  rendererDir?: string;
  /** Where generated samples go (default: a folder in the OS temp dir). */
  cacheDir?: string;
  /** Fixed token, for tests only; otherwise a fresh random one per run. */
  token?: string;
  /** Model folder options for the assistant (default: the project's models/). */
  assistant?: AppServiceOptions['assistant'];
  /** Archive search options (autoIndex: embed imported images in the background). */
  search?: AppServiceOptions['search'];
}

export interface RunningHost {
  /** The URL to open: it carries the token once; the page then lives on a cookie. */
  url: string;
  /** The address it listens on: always 127.0.0.1. */
  address: string;
  port: number;
  token: string;
  /** The services behind the socket (tests reach the file registry through it). */
  service: AppService;
  close(): Promise<void>;
}

const listen = (server: Server, port: number): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: nothing on the network can reach the host.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

/** Browser mode: the built renderer and the contract over a socket, on 127.0.0.1, behind a per-run token. */
export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? newToken();
  const service = createAppService({
    dataDir: opts.dataDir,
    home: opts.home ?? resolveHome(),
    transport: 'browser',
    cacheDir: opts.cacheDir ?? path.join(os.tmpdir(), 'vesalius-cache'),
    // Browser mode runs the inference worker as a Node child of the host.
    assistant: { createClient: inferenceClients({ start: workerStarter() }), ...opts.assistant },
    search: opts.search,
  });
  let boundPort = 0;
  const port = () => boundPort;

  const socketEndpoint = createSocketEndpoint({ port, token, handlers: service.handlers, events: service.events });
  const server = createServer(
    createRequestHandler({
      port,
      token,
      rendererDir: opts.rendererDir ?? path.join(projectRoot, 'dist', 'renderer'),
      resolveFileKey: (fileKey) => service.registry.resolve(fileKey),
    }),
  );
  server.on('upgrade', socketEndpoint.handleUpgrade);
  server.on('clientError', (_e, socket) => socket.destroy());

  let address = '';
  try {
    ({ port: boundPort, address } = await listen(server, opts.port ?? 0));
  } catch (e) {
    service.dispose();
    throw e;
  }

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${boundPort}/?token=${token}`,
    address,
    port: boundPort,
    token,
    service,
    close() {
      closing ??= (async () => {
        service.dispose();
        await socketEndpoint.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
