// A Server-Sent Events client over a real socket for the API tests (fastify's inject cannot stream).
import { get } from 'node:http';

/** One parsed event: its id field (if any), type and data. */
export interface SseFrame {
  readonly id?: string;
  readonly type: string;
  readonly data: unknown;
}

/** An open stream: the events so far, waiting for more, closing. */
export interface SseStream {
  readonly status: number;
  readonly text: () => string;
  readonly frames: () => SseFrame[];
  /** Resolves once `n` events (comments not counted) have arrived; rejects after `ms`. */
  readonly waitForCount: (n: number, ms?: number) => Promise<SseFrame[]>;
  readonly ended: Promise<void>;
  readonly close: () => void;
}

function parse(text: string): SseFrame[] {
  const out: SseFrame[] = [];
  for (const block of text.split('\n\n').slice(0, -1)) {
    let id: string | undefined;
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) out.push({ ...(id === undefined ? {} : { id }), type, data: JSON.parse(data.join('\n')) as unknown });
  }
  return out;
}

/** Opens `url` with `headers`; resolves once the response head has arrived. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let buf = '';
      const waiters = new Set<() => void>();
      const ended = new Promise<void>((r) => res.on('end', () => r()));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (const w of [...waiters]) w();
      });
      resolve({
        status: res.statusCode ?? 0,
        text: () => buf,
        frames: () => parse(buf),
        waitForCount: (n, ms = 5000) => new Promise((done, fail) => {
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`timed out waiting for ${n} events; got: ${buf}`));
          }, ms);
          function check(): void {
            const frames = parse(buf);
            if (frames.length < n) return;
            clearTimeout(timer);
            waiters.delete(check);
            done(frames);
          }
          waiters.add(check);
          check();
        }),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
