/** Where the command line writes: standard output and standard error, one line at a time (tests pass their own). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}
