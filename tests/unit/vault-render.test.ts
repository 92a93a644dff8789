import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { adminPolicyRules } from '../../lab/vault/admin.ts';
import { MARKER_MOUNT } from '../../lab/vault/markers.ts';
import { DRILL_ISSUER_MOUNT, ISSUER_MOUNT, PKI_MOUNT } from '../../lab/vault/pki-layout.ts';
import { renderNodeConfig, renderSealConfig } from '../../lab/vault/render.ts';
import { vaultTlsNames, vaultTopology } from '../../lab/vault/topology.ts';

describe('rendered Vault configuration', async () => {
  const config = parseConfig({}, 'test');
  const topology = vaultTopology(config);
  const node = topology.nodes[2]!;
  const hcl = await renderNodeConfig(topology, node, 1, 'hvs.transit-token');

  it('joins every other node through retry_join with the leader TLS server name', () => {
    const joins = [...hcl.matchAll(/leader_api_addr\s*=\s*"https:\/\/([^:]+):8200"/g)].map((m) => m[1]);
    expect(joins).toEqual(['vault-1', 'vault-2', 'vault-4', 'vault-5']);
    expect(hcl.match(/leader_tls_servername\s*=\s*"vault\.lab\.test"/g)).toHaveLength(4);
  });

  it('uses Raft storage with its node id and the lab performance multiplier', () => {
    expect(hcl).toMatch(/storage "raft" \{[^}]*node_id\s*=\s*"vault-3"/s);
    expect(hcl).toMatch(/performance_multiplier\s*=\s*1\b/);
  });

  it('serves TLS on its listener and auto-unseals through the seal node over TLS', () => {
    expect(hcl).toMatch(/tls_cert_file\s*=\s*"\/certlab\/tls\/bundle\.pem"/);
    expect(hcl).not.toMatch(/tls_disable\s*=\s*(true|1)/);
    expect(hcl).toMatch(/seal "transit" \{[^}]*address\s*=\s*"https:\/\/vault-seal:8200"[^}]*token\s*=\s*"hvs\.transit-token"[^}]*tls_ca_cert/s);
  });

  it('leaves no placeholder unfilled', async () => {
    expect(hcl).not.toMatch(/\{\{/);
    expect(await renderSealConfig(topology)).toMatch(/tls_key_file/);
  });

  it('puts every node, the seal and the leader TLS name in the server certificate', () => {
    const names = vaultTlsNames(topology, config.domains.private);
    expect(names.dns).toEqual(expect.arrayContaining(['vault-1', 'vault-5', 'vault-seal', 'vault.lab.test', 'vault-2.lab.test']));
    expect(names.ips).toContain('127.0.0.1');
  });
});

describe('the admin policy', async () => {
  const rules = await adminPolicyRules();
  /** Each path block's capabilities, by path. */
  const capabilities = new Map([...rules.matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]/g)].map((m) => [m[1]!, m[2]!.split(',').map((c) => c.trim().replace(/"/g, ''))]));

  it('may remove the drill mounts and no other mount', () => {
    const removable = [...capabilities].filter(([path, caps]) => path.startsWith('sys/mounts/') && caps.includes('delete')).map(([path]) => path);
    expect(removable.sort()).toEqual([`sys/mounts/${DRILL_ISSUER_MOUNT}`, `sys/mounts/${MARKER_MOUNT}`].sort());
    for (const mount of [PKI_MOUNT, ISSUER_MOUNT]) expect(capabilities.get(`sys/mounts/${mount}`)).not.toContain('delete');
  });

  it('may set the drill issuers\' leaf_not_after_behavior but not the lab issuing mount\'s', () => {
    expect(capabilities.get(`${DRILL_ISSUER_MOUNT}/issuer/*`)).toContain('update');
    expect(capabilities.get(`${ISSUER_MOUNT}/issuer/*`)).toEqual(['read']);
    expect(rules).not.toMatch(/\{\{/);
  });
});
