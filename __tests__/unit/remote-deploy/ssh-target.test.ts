import { sshTarget } from '../../../actions/remote-deploy/src/model/hosts';
import type { HostKeyPolicy, ParsedClientKey } from '@deploy-kit/shared/ssh';

const key = {} as ParsedClientKey;
const policy: HostKeyPolicy = { fingerprints: ['SHA256:run'], knownHosts: [], acceptAny: false };

test("a host's own fingerprints trust that host on top of the run's policy, and leave the policy as it was", () => {
  const target = sshTarget(
    { host: '10.0.0.2', port: 2222, user: 'ops', name: 'web1', fingerprints: ['SHA256:own'] },
    key,
    policy,
  );
  expect(target).toEqual({
    name: 'web1',
    host: '10.0.0.2',
    port: 2222,
    user: 'ops',
    key,
    hostKeys: { fingerprints: ['SHA256:run', 'SHA256:own'], knownHosts: [], acceptAny: false },
  });
  expect(policy.fingerprints).toEqual(['SHA256:run']);
});
