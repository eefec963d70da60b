/**
 * Delivers queued webhook events: claims due deliveries from the store (one instance per delivery attempt, see the
 * release store), POSTs the stored body with a fresh signature, records the attempt, and on failure (no 2xx answer,
 * timeout, connection error) schedules the next attempt after `backoffMs * 2^(attempt-1)` (capped at one hour) until
 * `maxAttempts`. Each request is bounded by `timeoutMs`; redirects are not followed; a URL that points at this
 * service is refused without being called. Runs every `pollMs`, and at once when woken by an emit.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Delivery } from '../contract/webhooks';
import type { ReleaseStore } from '../store/release/release-store';
import { SIGNATURE_HEADER, signatureHeader } from './signature';
import { checkWebhookUrl, type SelfAddress } from './url-guard';

export interface DeliveryOptions {
  /** How long one attempt may take (ms, default 10 000). */
  timeoutMs?: number;
  /** Attempts before a delivery is marked failed (default 6). */
  maxAttempts?: number;
  /** Wait before the second attempt (ms, default 10 000); doubled for each further one. */
  backoffMs?: number;
  /** How often due deliveries are looked for (ms, default 1 000). */
  pollMs?: number;
}

const MAX_BACKOFF_MS = 3_600_000;

export function startDeliveryWorker(
  release: ReleaseStore,
  self: SelfAddress,
  log: FastifyBaseLogger,
  options: DeliveryOptions = {},
): { wake(): void; stop(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 6;
  const backoffMs = options.backoffMs ?? 10_000;
  const pollMs = options.pollMs ?? 1_000;
  let stopped = false;
  let running: Promise<void> | null = null;
  // aborts the attempts in flight when the instance stops (they are recorded and retried later, by any instance)
  const stopping = new AbortController();
  let again = false;

  const attempt = async (d: Delivery & { leaseUntil: number }) => {
    const hook = await release.getWebhook(d.webhookId);
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    if (!hook) error = 'the webhook was deleted';
    else {
      try {
        await checkWebhookUrl(hook.url, self, 'url');
        const t = Math.floor(Date.now() / 1000);
        const res = await fetch(hook.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Claimflow-Webhooks/1',
            'x-claimflow-event': d.event,
            'x-claimflow-delivery': d.id,
            'x-claimflow-attempt': String(d.attempts),
            [SIGNATURE_HEADER]: signatureHeader(hook.secret, d.body, t),
          },
          body: d.body,
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (status < 200 || status >= 300) error = `answered ${status}`;
      } catch (e) {
        const err = e as Error & { code?: string; cause?: { code?: string; message?: string } };
        error = stopping.signal.aborted
          ? 'the instance stopped during the attempt'
          : err.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : err.code === 'CF_WEBHOOK_URL_REFUSED'
              ? `refused: ${err.message}`
              : (err.cause?.code ?? err.cause?.message ?? err.message);
      }
    }
    const ok = error === null;
    const final = ok || !hook || d.attempts >= maxAttempts || (error ?? '').startsWith('refused:');
    const entry = { attempt: d.attempts, at: new Date(started).toISOString(), status, ms: Date.now() - started, error };
    const nextAttemptAt = final ? null : Date.now() + Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** (d.attempts - 1));
    const recorded = await release.finishAttempt(d.id, d.leaseUntil, {
      status: ok ? 'delivered' : final ? 'failed' : 'pending',
      log: [...d.log, entry],
      nextAttemptAt,
    });
    if (!recorded) log.warn({ delivery: d.id }, 'a webhook delivery lease ran out before its attempt was recorded');
  };

  const tick = async () => {
    do {
      again = false;
      const due = await release.claimDeliveries(Date.now(), timeoutMs + 5_000, 10);
      await Promise.all(due.map((d) => attempt(d)));
      if (due.length === 10) again = true;
    } while (again && !stopped);
  };
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = tick()
      .catch((err) => log.warn({ err }, 'webhook delivery round failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, pollMs);
  timer.unref();
  setImmediate(run);
  return {
    wake: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
