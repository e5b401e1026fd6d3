import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpTarget {
  readonly port: number;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

/** One plain HTTP request to the daemon (a URL, or a port and path on 127.0.0.1): status and text. */
export function httpGet(target: string | HttpTarget): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const onReply = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    };
    const req =
      typeof target === 'string'
        ? request(target, onReply)
        : request(
            {
              host: '127.0.0.1',
              port: target.port,
              path: target.path,
              method: target.method ?? 'GET',
              headers: target.headers ?? {},
            },
            onReply,
          );
    req.on('error', reject);
    req.end();
  });
}
