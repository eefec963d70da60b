/**
 * Group commit: gathers concurrent requests (from any visitors) into one batch written by one transaction and one
 * commit. A batch leaves when it holds `maxBatch` requests or `maxWaitMs` after its first request arrived, whichever
 * comes first; while `maxInFlight` batches are committing, new requests wait and leave together with the next one.
 * Every waiter is answered only after its batch committed; a batch that fails rejects all of its waiters with the
 * same error (nothing of a failed batch is acknowledged).
 */

export interface GroupCommitOptions<Req, Res> {
  /** Writes the whole batch in one transaction; answers in request order (one answer per request). */
  write(batch: Req[]): Promise<Res[]>;
  /** Most requests in one batch (default 64). */
  maxBatch?: number;
  /** Longest a request waits for companions before its batch leaves (ms, default 1). */
  maxWaitMs?: number;
  /** Batches committing at once (default 2): the next batch gathers while one commits. */
  maxInFlight?: number;
}

export interface GroupCommit<Req, Res> {
  submit(request: Req): Promise<Res>;
  /** Batches written so far and the requests they held (for metrics and tests). */
  stats(): { batches: number; requests: number };
}

interface Waiter<Req, Res> {
  request: Req;
  resolve(value: Res): void;
  reject(error: unknown): void;
}

/**
 * @example const meters = groupCommit({ write: (batch) => store.consumeMeters(batch) }); await meters.submit(req)
 */
export function groupCommit<Req, Res>(options: GroupCommitOptions<Req, Res>): GroupCommit<Req, Res> {
  const maxBatch = options.maxBatch ?? 64;
  const maxWaitMs = options.maxWaitMs ?? 1;
  const maxInFlight = options.maxInFlight ?? 2;
  if (!(maxBatch >= 1) || !(maxInFlight >= 1) || !(maxWaitMs >= 0)) throw new TypeError('bad group commit options');
  let queue: Waiter<Req, Res>[] = [];
  let timer: NodeJS.Timeout | null = null;
  let inFlight = 0;
  let batches = 0;
  let requests = 0;

  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      batches++;
      requests += batch.length;
      let answers: Promise<Res[]>;
      try {
        answers = options.write(batch.map((w) => w.request));
      } catch (error) {
        answers = Promise.reject(error);
      }
      answers
        .then(
          (results) => {
            if (results.length !== batch.length)
              throw new TypeError(`group commit: ${results.length} answers for ${batch.length} requests`);
            for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
          },
          (error) => {
            for (const w of batch) w.reject(error);
          },
        )
        .catch((error) => {
          for (const w of batch) w.reject(error);
        })
        .finally(() => {
          inFlight--;
          // Requests that queued up behind a full pipeline have waited long enough: send them now.
          if (queue.length > 0) flush();
        });
    }
  };

  return {
    submit(request) {
      return new Promise<Res>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else if (!timer && inFlight < maxInFlight) timer = setTimeout(flush, maxWaitMs);
      });
    },
    stats: () => ({ batches, requests }),
  };
}
