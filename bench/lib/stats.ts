/** Small statistics helpers for benchmarks: medians of repeated timed runs. */

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` in batches for ~`ms` milliseconds, `rounds` times; returns the median operations per second. */
export async function opsPerSecond(fn: (i: number) => unknown, rounds = 5, ms = 400): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let k = 0; k < 64; k++) {
        const out = fn(n++);
        if (out instanceof Promise) await out;
      }
      elapsed = performance.now() - start;
    }
    rates.push((n / elapsed) * 1000);
  }
  return median(rates);
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
