// Whether an address lies in configured networks (for the Action URL route's token-free access).
import { inNetworks } from '../../registrar/cidr.js';

/** True when `address` (IPv4-mapped IPv6 included) is in one of `networks` (CIDR or single addresses). */
export function inTrustedNetworks(networks: readonly string[], address: string): boolean {
  return networks.length > 0 && inNetworks(networks, address);
}
