import http from 'node:http';

/** One request with an arbitrary Host header (fetch would not let us forge it); resolves to the status. */
export function requestWithHost(
  url: string,
  host: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
