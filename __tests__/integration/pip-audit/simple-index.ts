import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/**
 * A package index on loopback (PEP 503 HTML and PEP 691 JSON, chosen by the Accept header as
 * PyPI does), serving real distribution files made in the test: a wheel and an sdist of a tiny
 * project, built by Python's zipfile/tarfile with the metadata a wheel needs, so pip can install
 * them. Every request is logged; nothing leaves the machine.
 */

export interface SimpleIndex {
  /** The simple API root, ending in /simple/. */
  url: string;
  requests: { path: string; accept: string; authorization?: string }[];
  /** sha256 of every file served, by file name. */
  sha256: Record<string, string>;
  stop(): Promise<void>;
}

/** Builds `<name>-<version>` as a wheel and an sdist in `dir`; returns the file names. */
export function buildDistributions(python: string, dir: string, name: string, version: string): string[] {
  const script = String.raw`
import sys, zipfile, tarfile, io, hashlib, base64, os
out, name, version = sys.argv[1:4]
mod = name.replace('-', '_')
dist = f"{mod}-{version}.dist-info"
files = {
  f"{mod}/__init__.py": b"VALUE = 1\n",
  f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
  f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: deploy-kit-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for p, data in files.items():
  digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
  record.append(f"{p},sha256={digest},{len(data)}")
record.append(f"{dist}/RECORD,,")
files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
whl = os.path.join(out, f"{mod}-{version}-py3-none-any.whl")
with zipfile.ZipFile(whl, "w") as z:
  for p, data in files.items():
    z.writestr(zipfile.ZipInfo(p, (2024, 1, 1, 0, 0, 0)), data)
sdist = os.path.join(out, f"{mod}-{version}.tar.gz")
with tarfile.open(sdist, "w:gz") as t:
  for p, data in {f"{mod}-{version}/PKG-INFO": files[f"{dist}/METADATA"], f"{mod}-{version}/{mod}/__init__.py": b"VALUE = 1\n"}.items():
    info = tarfile.TarInfo(p); info.size = len(data); info.mtime = 1704067200
    t.addfile(info, io.BytesIO(data))
print(os.path.basename(whl)); print(os.path.basename(sdist))
`;
  return execFileSync(python, ['-c', script, dir, name, version], { encoding: 'utf8' }).trim().split('\n');
}

/** Serves `projects` (name → file names in `dir`); `html: true` answers PEP 503 HTML only. */
export async function startSimpleIndex(
  dir: string,
  projects: Record<string, string[]>,
  options: { html?: boolean } = {},
): Promise<SimpleIndex> {
  const sha256: Record<string, string> = {};
  for (const files of Object.values(projects))
    for (const f of files)
      sha256[f] = createHash('sha256')
        .update(fs.readFileSync(path.join(dir, f)))
        .digest('hex');
  const requests: SimpleIndex['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://index');
    const accept = String(req.headers.accept ?? '');
    requests.push({ path: url.pathname, accept, authorization: req.headers.authorization });
    const file = /^\/files\/([^/]+)$/.exec(url.pathname);
    if (file && sha256[file[1] as string]) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(fs.readFileSync(path.join(dir, file[1] as string)));
      return;
    }
    const project = /^\/simple\/([^/]+)\/$/.exec(url.pathname)?.[1];
    const files = project ? projects[project] : undefined;
    if (!files) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    if (!options.html && accept.includes('application/vnd.pypi.simple.v1+json')) {
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
      res.end(
        JSON.stringify({
          meta: { 'api-version': '1.0' },
          name: project,
          files: files.map((f) => ({ filename: f, url: `/files/${f}`, hashes: { sha256: sha256[f] } })),
        }),
      );
      return;
    }
    const links = files.map((f) => `<a href="/files/${f}#sha256=${sha256[f]}">${f}</a><br/>`).join('\n');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><html><body><h1>Links for ${project}</h1>\n${links}\n</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    sha256,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
