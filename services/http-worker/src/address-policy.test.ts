import { describe, expect, it } from 'vitest';
import { AddressPolicy, parseCidrList } from './address-policy.ts';

const defaults = new AddressPolicy({ allowCidrs: [], denyCidrs: [], allowPrivate: true });

describe('AddressPolicy', () => {
  it('refuses link-local and cloud metadata addresses by default', () => {
    expect(defaults.check('169.254.169.254')).toMatchObject({ rule: '169.254.0.0/16' });
    expect(defaults.check('169.254.170.2')).toMatchObject({ rule: '169.254.0.0/16' });
    expect(defaults.check('fe80::1')).toMatchObject({ rule: 'fe80::/10' });
    expect(defaults.check('fd00:ec2::254')).toMatchObject({ rule: 'fd00:ec2::254/128' });
    expect(defaults.check('100.100.100.200')).toMatchObject({ rule: '100.100.100.200/32' });
    expect(defaults.check('0.0.0.0')).toMatchObject({ rule: '0.0.0.0/8' });
  });

  it('sees through IPv4-mapped and NAT64 forms', () => {
    expect(defaults.check('::ffff:169.254.169.254')).toMatchObject({ rule: '169.254.0.0/16' });
    expect(defaults.check('[::ffff:a9fe:a9fe]')).toMatchObject({ rule: '169.254.0.0/16' });
    expect(defaults.check('64:ff9b::a9fe:a9fe')).toMatchObject({ rule: '169.254.0.0/16' });
  });

  it('allows loopback, private and public addresses by default', () => {
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '192.168.1.1', '172.20.0.5', 'fd12::1', '93.184.216.34', '2606:4700::1']) {
      expect(defaults.check(address)).toBeUndefined();
    }
  });

  it('refuses private ranges when allowPrivate is false', () => {
    const strict = new AddressPolicy({ allowCidrs: [], denyCidrs: [], allowPrivate: false });
    expect(strict.check('127.0.0.1')).toMatchObject({ rule: '127.0.0.0/8' });
    expect(strict.check('10.0.0.7')).toMatchObject({ rule: '10.0.0.0/8' });
    expect(strict.check('::1')).toMatchObject({ rule: '::1/128' });
    expect(strict.check('8.8.8.8')).toBeUndefined();
  });

  it('applies the deny list, and the allow list as exceptions to every refusal', () => {
    const policy = new AddressPolicy({ allowCidrs: parseCidrList('169.254.170.2, 10.9.0.0/16'), denyCidrs: parseCidrList('10.0.0.0/8 203.0.113.7'), allowPrivate: true });
    expect(policy.check('10.1.0.1')).toMatchObject({ rule: '10.0.0.0/8', reason: expect.stringContaining('HTTP_WORKER_DENY_CIDRS') });
    expect(policy.check('203.0.113.7')).toMatchObject({ rule: '203.0.113.7' });
    expect(policy.check('10.9.3.3')).toBeUndefined();
    expect(policy.check('169.254.170.2')).toBeUndefined();
    expect(policy.check('169.254.169.254')).toBeDefined();
  });

  it('rejects malformed CIDRs with a message naming them', () => {
    expect(() => parseCidrList('10.0.0.0/8, nonsense')).toThrow(/"nonsense" is not a CIDR/);
  });
});
