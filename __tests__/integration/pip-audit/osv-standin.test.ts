import { startOsvStandin, type OsvStandin } from '@deploy-kit/harness';

describe('OSV stand-in server', () => {
  let osv: OsvStandin;
  beforeAll(async () => {
    osv = await startOsvStandin();
  });
  afterAll(() => osv.stop());

  it('answers a query and a record lookup, and validates both', async () => {
    const res = await fetch(osv.queryUrl, {
      method: 'POST',
      body: JSON.stringify({ package: { name: 'sqlparse', ecosystem: 'PyPI' }, version: '0.4.2' }),
    });
    const body = (await res.json()) as { vulns: { id: string }[] };
    expect(body.vulns.map((v) => v.id).sort()).toEqual(['GHSA-2m57-hf25-phgg', 'GHSA-rrm6-wvj7-cwh2']);
    const clean = await fetch(osv.queryUrl, {
      method: 'POST',
      body: JSON.stringify({ package: { name: 'sqlparse', ecosystem: 'PyPI' }, version: '0.5.0' }),
    });
    expect(await clean.json()).toEqual({});
    const one = await fetch(`${osv.base}/vulns/GHSA-2m57-hf25-phgg`);
    expect(((await one.json()) as { id: string }).id).toBe('GHSA-2m57-hf25-phgg');
    expect((await fetch(`${osv.base}/vulns/CVE-2024-4340`)).status).toBe(404);
    expect(osv.violations).toEqual([]);
  });

  it('rejects and records a request that does not match the OSV query shape', async () => {
    const res = await fetch(osv.queryUrl, { method: 'POST', body: JSON.stringify({ pkg: 'django' }) });
    expect(res.status).toBe(400);
    expect(osv.violations.pop()).toMatch(/does not match OSV's query shape/);
  });

  it('serves injected faults', async () => {
    osv.fault({ route: 'query', status: 503 });
    const res = await fetch(osv.queryUrl, {
      method: 'POST',
      body: JSON.stringify({ package: { name: 'idna', ecosystem: 'PyPI' }, version: '3.3' }),
    });
    osv.fault(undefined);
    expect(res.status).toBe(503);
  });
});
