import http from 'node:http';

export interface RawResponse {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

/**
 * A request sent byte for byte as given: unlike fetch, the path is not normalized, so `..`
 * reaches the server as an attacker would send it.
 */
export function rawRequest(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Whether a response body holds MPEG-TS media: 188-byte packets starting with the 0x47 sync byte. */
export function looksLikeMedia(body: Buffer): boolean {
  return body.length >= 376 && body[0] === 0x47 && body[188] === 0x47;
}

/** `/api/<route>` as the holder of `accessToken`: GET without a body, POST with one. */
export function apiFetch(port: number, who: { accessToken: string }, route: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${who.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
