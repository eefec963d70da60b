/** Raw HTTP/1.1 over a TCP socket, for requests ordinary clients refuse to send (bad paths, huge headers, garbage). */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `text` as is on a new connection and reads until the server closes it (or `timeoutMs`). */
export function rawRequest(port: number, text: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms: ${Buffer.concat(chunks).toString()}`));
    }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end === -1) return reject(new Error(`not an HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`));
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = raw.slice(end + 4);
      if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString() });
    });
    socket.write(text);
  });
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) return out;
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** A GET-like request line and headers, closing the connection after the answer. */
export function requestText(method: string, path: string, headers: Record<string, string> = {}, body = ''): string {
  const all: Record<string, string> = { host: 'localhost', connection: 'close', ...headers };
  if (body) all['content-length'] = String(Buffer.byteLength(body));
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return `${method} ${path} HTTP/1.1\r\n${head}\r\n\r\n${body}`;
}
