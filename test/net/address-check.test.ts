/**
 * The address verdicts of the guarded client: every non-public range refused, IPv6 forms that
 * carry an IPv4 address judged by that address, real public addresses allowed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPublicAddress } from '../../src/net/index.js';

const REFUSED: Record<string, string[]> = {
  loopback: ['127.0.0.1', '127.255.255.254', '::1'],
  private: ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1'],
  'link-local (cloud metadata)': ['169.254.169.254', 'fe80::1', 'fe80::a9fe:a9fe'],
  CGNAT: ['100.64.0.1', '100.127.255.254'],
  'unique-local': ['fc00::1', 'fd12:3456::1'],
  'unspecified and 0/8': ['0.0.0.0', '0.1.2.3', '::'],
  'broadcast and multicast': ['255.255.255.255', '224.0.0.1', '239.255.255.250', 'ff02::1'],
  'reserved and documentation': ['240.0.0.1', '192.0.2.1', '198.18.0.1', '203.0.113.9', '2001:db8::1'],
  'IPv4-mapped': ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:7f00:1'],
  'IPv4-translated': ['::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe'],
  'IPv4-compatible': ['::127.0.0.1', '::7f00:1', '::a9fe:a9fe', '::10.0.0.1'],
  NAT64: ['64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::127.0.0.1', '64:ff9b:1::8.8.8.8'],
  'tunnels that embed any IPv4 (6to4, Teredo)': ['2002:7f00:1::1', '2001::1'],
  'not an address': ['example.com', '', '1.2.3.4.5', '::g'],
};

const ALLOWED = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '172.32.0.1',
  '100.128.0.1',
  '169.253.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001:82b::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '[2606:4700:4700::1111]',
];

describe('isPublicAddress', () => {
  for (const [range, addresses] of Object.entries(REFUSED)) {
    it(`refuses ${range}`, () => {
      for (const address of addresses) assert.equal(isPublicAddress(address), false, address);
    });
  }

  it('allows public unicast addresses, also when an IPv6 form carries a public IPv4', () => {
    for (const address of ALLOWED) assert.equal(isPublicAddress(address), true, address);
  });
});
