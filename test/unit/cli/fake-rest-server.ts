// A fake snomctl REST service for the CLI tests: real node:http on 127.0.0.1:0, records every request,
// answers with a per-route handler (rest-contract.md shapes).
import http from 'node:http';
import { once } from 'node:events';
import type { CliIo } from '../../../src/cli/index.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export interface FakeAnswer {
  readonly status?: number;
  readonly json?: unknown;
  /** Raw body (wins over json). */
  readonly text?: string;
  /** Server-Sent Events: written then the response stays open until the client leaves (or `end`). */
  readonly sse?: string[];
  readonly end?: boolean;
}

export type Route = (req: SeenRequest) => FakeAnswer;

export interface FakeRestServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** `METHOD /path` (path without query) → handler. */
  readonly routes: Map<string, Route>;
  close(): Promise<void>;
}

/** Starts the fake service; an unknown route answers the contract's 404. */
export async function startFakeRestServer(routes: Record<string, Route> = {}): Promise<FakeRestServer> {
  const requests: SeenRequest[] = [];
  const table = new Map(Object.entries(routes));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw === '' ? undefined : JSON.parse(raw) as unknown };
      requests.push(seen);
      const route = table.get(`${seen.method} ${seen.url.split('?')[0]}`);
      const answer: FakeAnswer = route === undefined
        ? { status: 404, json: { error: { code: 'SNOM_ERR_NOT_FOUND', message: `no route ${seen.method} ${seen.url}` } } }
        : route(seen);
      if (answer.sse !== undefined) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const part of answer.sse) res.write(part);
        if (answer.end === true) res.end();
        return;
      }
      res.writeHead(answer.status ?? 200, { 'content-type': answer.text === undefined ? 'application/json' : 'text/plain' });
      res.end(answer.text ?? JSON.stringify(answer.json ?? {}));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes: table,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A recording CliIo. */
export interface RecordedIo extends CliIo {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  /** Fires the registered SIGINT handlers. */
  interrupt(): void;
}

export function recordingIo(env: Record<string, string | undefined> = {}, stderrIsTTY = false): RecordedIo {
  const handlers = new Set<() => void>();
  const io: RecordedIo = {
    stdout: '',
    stderr: '',
    exitCode: undefined,
    env,
    stderrIsTTY,
    out: (t) => void (io.stdout += t),
    err: (t) => void (io.stderr += t),
    setExitCode: (c) => void (io.exitCode = c),
    onInterrupt: (h) => {
      handlers.add(h);
      return () => void handlers.delete(h);
    },
    interrupt: () => {
      for (const h of handlers) h();
    },
  };
  return io;
}
