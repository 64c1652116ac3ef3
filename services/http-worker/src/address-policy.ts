// Which IP addresses the worker may connect to. Checked on the address actually dialled (see
// connector.ts), so a hostname that re-resolves to a forbidden address is still refused.
//
// Order: allow list (explicit exceptions) → deny list → built-in denials (link-local, cloud
// metadata, unspecified, multicast) → private ranges when allowPrivate is false → allowed.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type Cidr = { text: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] };

export interface AddressPolicyConfig {
  allowCidrs: readonly Cidr[];
  denyCidrs: readonly Cidr[];
  allowPrivate: boolean;
}

export interface AddressDenial {
  address: string;
  /** The CIDR that matched. */
  rule: string;
  /** Why the rule exists / where it comes from, for the error message. */
  reason: string;
}

export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  try {
    const range = trimmed.includes('/') ? ipaddr.parseCIDR(trimmed) : hostRange(ipaddr.parse(trimmed));
    return { text: trimmed, range };
  } catch {
    throw new Error(`"${trimmed}" is not a CIDR range (expected e.g. 10.0.0.0/8 or fd00::/8)`);
  }
}

/** Comma- or whitespace-separated list. */
export function parseCidrList(text: string): Cidr[] {
  return text
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map(parseCidr);
}

function hostRange(address: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

const builtinDenials: Array<{ cidr: Cidr; reason: string }> = [
  ['169.254.0.0/16', 'link-local; includes the cloud metadata service 169.254.169.254'],
  ['fe80::/10', 'IPv6 link-local'],
  ['fd00:ec2::254/128', 'AWS instance metadata service (IPv6)'],
  ['100.100.100.200/32', 'Alibaba Cloud metadata service'],
  ['0.0.0.0/8', 'unspecified address ("this host")'],
  ['::/128', 'unspecified address'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['ff00::/8', 'IPv6 multicast'],
].map(([text, reason]) => ({ cidr: parseCidr(text as string), reason: reason as string }));

const privateRanges: Cidr[] = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].map(parseCidr);

function matches(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: Cidr): boolean {
  return address.kind() === cidr.range[0].kind() && address.match(cidr.range);
}

/** IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged as the IPv4 they carry. */
function canonical(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() !== 'ipv6') return address;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.range() === 'rfc6052') {
    const bytes = v6.toByteArray().slice(12);
    return ipaddr.fromByteArray(bytes);
  }
  return v6;
}

export class AddressPolicy {
  constructor(private readonly config: AddressPolicyConfig) {}

  /** undefined when `address` (an IP literal) may be dialled, else why not. */
  check(address: string): AddressDenial | undefined {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = canonical(ipaddr.parse(stripBrackets(address)));
    } catch {
      return { address, rule: 'ip-literal', reason: 'not an IP address' };
    }
    if (this.config.allowCidrs.some((cidr) => matches(parsed, cidr))) return undefined;
    const denied = this.config.denyCidrs.find((cidr) => matches(parsed, cidr));
    if (denied) return { address, rule: denied.text, reason: 'listed in HTTP_WORKER_DENY_CIDRS' };
    const builtin = builtinDenials.find((entry) => matches(parsed, entry.cidr));
    if (builtin) return { address, rule: builtin.cidr.text, reason: `${builtin.reason}; denied by default, allow it with HTTP_WORKER_ALLOW_CIDRS` };
    if (!this.config.allowPrivate) {
      const privateRange = privateRanges.find((cidr) => matches(parsed, cidr));
      if (privateRange) return { address, rule: privateRange.text, reason: 'loopback/private range refused because HTTP_WORKER_ALLOW_PRIVATE=false' };
    }
    return undefined;
  }
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The same test net.connect uses to skip DNS, so every literal it would dial is checked here. */
export function isIpLiteral(host: string): boolean {
  return isIP(stripBrackets(host)) !== 0;
}
