/** The outcome of checking a checksum: `unverified` when verification is off or impossible. */
export type ChecksumStatus = 'good' | 'bad' | 'unverified';

/**
 * Which checksums to verify, like smoltcp's ChecksumCapabilities: `true` (all, the default),
 * `false` (none), or per protocol by layer name (`{ ip: true, tcp: false }`; unnamed ones follow
 * `default`, itself true unless given). Real captures of locally sent traffic carry offloaded
 * checksums that verify as bad: that is reported in the status, never fatal.
 */
export type ChecksumPolicy = boolean | ({ default?: boolean } & Record<string, boolean | undefined>);

export function shouldVerify(policy: ChecksumPolicy | undefined, layer: string): boolean {
  if (policy === undefined || policy === true) return true;
  if (policy === false) return false;
  return policy[layer] ?? policy.default ?? true;
}
