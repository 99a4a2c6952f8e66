/**
 * A pass-through HTTP proxy between liuhen and the S3 endpoint that counts every request by kind
 * ("PUT", "HEAD", "GET retention", …) and the body bytes sent up. RGW's usage log is off in the test
 * cluster and its perf counters are shared with whatever else uses it; this counts this run's
 * node alone. Path-style requests signed for the proxy's host verify at RGW unchanged, since the
 * Host header is passed through as signed.
 */
import http from 'node:http';

export interface S3Counts {
  /** requests by "<METHOD>[ <sub-resource>]" */
  requests: Record<string, number>;
  /** body bytes of PUT and POST requests */
  bytesUp: number;
}

export interface S3CountingProxy {
  endpoint: string;
  counts(): S3Counts;
  close(): Promise<void>;
}

/** The sub-resources that make a request another operation than the plain object one. */
const SUB_RESOURCES = ['retention', 'legal-hold', 'versions', 'versioning', 'object-lock', 'uploads', 'uploadId', 'partNumber', 'list-type', 'location'];

function kindOf(method: string, url: string): string {
  const query = new URL(url, 'http://x').searchParams;
  const sub = SUB_RESOURCES.filter((k) => query.has(k));
  return sub.length > 0 ? `${method} ${sub.join('+')}` : method;
}

export async function startS3CountingProxy(upstream: string): Promise<S3CountingProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const requests: Record<string, number> = {};
  let bytesUp = 0;
  const server = http.createServer((req, res) => {
    const kind = kindOf(req.method!, req.url!);
    requests[kind] = (requests[kind] ?? 0) + 1;
    if (req.method === 'PUT' || req.method === 'POST') req.on('data', (d: Buffer) => (bytesUp += d.length));
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ requests: { ...requests }, bytesUp }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
