/**
 * The two web-platform globals the engine uses, present in every runtime it targets (browsers, Node 20+, workers),
 * declared here so engine/tsconfig.json can compile it with neither DOM nor Node types. Only that config includes
 * this file; the others get the same names from their DOM or Node types.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class URLSearchParams {
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

declare class URL {
  constructor(url: string, base?: string);
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}
