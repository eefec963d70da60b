/**
 * Keeps a snapshot fresh: `GET /v1/snapshot` with If-None-Match (304: nothing to do), polled every
 * `pollIntervalMs`, and the server-sent events of `GET /v1/snapshot/stream` (parsed with eventsource-parser),
 * which trigger a fetch as soon as the service reports a new ETag. The stream reconnects with a capped backoff.
 */
import { createParser } from 'eventsource-parser';
import { type Snapshot, SnapshotChangeEventSchema, SnapshotSchema } from '../../../api/contract/snapshot';

export interface SnapshotSyncOptions {
  url: string;
  fetch: typeof fetch;
  headers: Record<string, string>;
  pollIntervalMs: number;
  stream: boolean;
  apply(snapshot: Snapshot): void;
  onError(error: Error): void;
}

const MAX_BACKOFF_MS = 30_000;

export class SnapshotSync {
  #etag: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #abort = new AbortController();
  #fetching: Promise<void> | null = null;
  #closed = false;

  constructor(private readonly o: SnapshotSyncOptions) {}

  get etag(): string | null {
    return this.#etag;
  }

  /** First snapshot (rejects when it cannot be fetched), then polling and the stream. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.o.pollIntervalMs > 0) {
      this.#timer = setInterval(() => void this.refresh().catch((e) => this.o.onError(e)), this.o.pollIntervalMs);
      this.#timer.unref();
    }
    if (this.o.stream) void this.#listen(1_000);
  }

  /** Fetches the snapshot unless the service answers 304 (one request at a time). */
  refresh(): Promise<void> {
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = null;
    });
    return this.#fetching;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#abort.abort();
  }

  async #fetch(): Promise<void> {
    const headers: Record<string, string> = { ...this.o.headers, accept: 'application/json' };
    if (this.#etag) headers['if-none-match'] = `"${this.#etag}"`;
    const res = await this.o.fetch(`${this.o.url}/v1/snapshot`, { headers, signal: this.#abort.signal });
    if (res.status === 304) return;
    if (res.status !== 200) throw new Error(`GET /v1/snapshot answered ${res.status}: ${await res.text()}`);
    const parsed = SnapshotSchema.safeParse(await res.json());
    if (!parsed.success)
      throw new Error(`GET /v1/snapshot: unexpected shape at ${parsed.error.issues[0]?.path.join('.') ?? '?'}`);
    this.o.apply(parsed.data);
    this.#etag = parsed.data.etag;
  }

  async #listen(backoff: number): Promise<void> {
    while (!this.#closed) {
      try {
        const res = await this.o.fetch(`${this.o.url}/v1/snapshot/stream`, {
          headers: { ...this.o.headers, accept: 'text/event-stream' },
          signal: this.#abort.signal,
        });
        if (res.status !== 200 || !res.body) throw new Error(`GET /v1/snapshot/stream answered ${res.status}`);
        backoff = 1_000;
        const parser = createParser({
          onEvent: (event) => {
            if (event.event !== 'change' && event.event !== 'hello') return;
            const data = SnapshotChangeEventSchema.safeParse(safeJson(event.data));
            if (data.success && data.data.etag !== this.#etag)
              void this.refresh().catch((error) => this.o.onError(error));
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        if (this.#closed) return;
        this.o.onError(error as Error);
      }
      if (this.#closed) return;
      await new Promise((r) => setTimeout(r, backoff).unref());
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
