/**
 * Request loggers made on first use. Fastify gives every request a child logger bound to its request id; with pino that
 * is a new logger object per request (~0.2 µs and its garbage) although a warm decision logs nothing at the usual
 * levels. A `LazyChild` answers the level checks from its parent and makes the real child only when a line is written
 * (or a child of it asked for), with the same bindings, so log lines are unchanged.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyChildLoggerFactory } from 'fastify/types/logger';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/** A pino logger: Fastify's own logger when logging is on. */
type LevelLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

class LazyChild {
  #real: LevelLogger | undefined;
  constructor(
    private readonly parent: LevelLogger,
    private readonly bindingsOf: Bindings,
  ) {}
  #logger(): LevelLogger {
    this.#real ??= this.parent.child(this.bindingsOf) as LevelLogger;
    return this.#real;
  }
  #write(level: Level, args: unknown[]): void {
    if (this.#real === undefined && !this.parent.isLevelEnabled(level)) return;
    (this.#logger()[level] as (...a: unknown[]) => void)(...args);
  }
  get level(): string {
    return this.#real?.level ?? this.parent.level;
  }
  set level(value: string) {
    this.#logger().level = value;
  }
  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.parent).isLevelEnabled(level);
  }
  fatal(...args: unknown[]) {
    this.#write('fatal', args);
  }
  error(...args: unknown[]) {
    this.#write('error', args);
  }
  warn(...args: unknown[]) {
    this.#write('warn', args);
  }
  info(...args: unknown[]) {
    this.#write('info', args);
  }
  debug(...args: unknown[]) {
    this.#write('debug', args);
  }
  trace(...args: unknown[]) {
    this.#write('trace', args);
  }
  silent() {}
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
  bindings(): Bindings {
    return (this.#logger() as unknown as { bindings(): Bindings }).bindings();
  }
}

/** Fastify's `childLoggerFactory`: lazy children, except where a route sets its own level or serializers. */
export const lazyChildLoggerFactory: FastifyChildLoggerFactory = (logger, bindings, options) => {
  const levels = logger as Partial<LevelLogger>;
  if (options.level !== undefined || options.serializers !== undefined || typeof levels.isLevelEnabled !== 'function')
    return logger.child(bindings, options);
  return new LazyChild(logger as LevelLogger, bindings) as unknown as FastifyBaseLogger;
};
