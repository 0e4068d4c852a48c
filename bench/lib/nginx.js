// nginx as the reference reverse proxy, where it is installed: a generated config in a temp dir,
// 127.0.0.1 only, no buffering (so SSE streams through), keep-alive to the mock.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, freePort } from './procs.js';

export function findNginx() {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** One worker, like Sluice's single main thread; the second core is left to the mock and the load tool. */
export function nginxConf({ dir, port, upstreamPort, workers = 1 }) {
  return `worker_processes ${workers};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
${process.getuid?.() === 0 ? 'user root;\n' : ''}events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  client_max_body_size 16m;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  upstream mock { server 127.0.0.1:${upstreamPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
}

/** Starts nginx in front of `upstreamUrl`; resolves to a child handle, or undefined when nginx is absent. */
export async function startNginx(upstreamUrl) {
  const bin = findNginx();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-nginx-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf({ dir, port, upstreamPort: new URL(upstreamUrl).port }));
  // nginx prints nothing when it is up: a tiny shell wrapper announces the URL once the port answers.
  const script = `"$0" -p "$1" -c "$2" -e "$1/error.log" -g 'daemon off;' & pid=$!
trap 'kill -QUIT $pid; wait $pid' TERM INT
for i in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/$3) 2>/dev/null; then echo "http://127.0.0.1:$3"; break; fi
  kill -0 $pid 2>/dev/null || exit 1
  sleep 0.05
done
wait $pid`;
  return startChild('nginx', 'bash', ['-c', script, bin, dir, conf, String(port)], { timeoutMs: 10_000 });
}
