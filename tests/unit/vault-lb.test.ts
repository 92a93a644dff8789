import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { parseShowStat, renderHaproxyConfig, vaultLbLayout } from '../../lab/vault/lb/index.ts';
import { vaultTopology } from '../../lab/vault/topology.ts';

const paths = { root: '/s', offlineRoot: '/s/o', pki: '/s/p', mounts: '/s/m', secrets: '/s/k', snapshots: '/s/n', audit: '/s/a' };

describe('the Vault load balancer', async () => {
  const config = parseConfig({ vault: { nodes: 3 }, domains: { private: 'corp.internal' } }, 'test');
  const layout = vaultLbLayout(config, paths);
  const cfg = await renderHaproxyConfig(vaultTopology(config), layout, config.domains.private);
  const lines = cfg.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);

  it('is vault.<private zone>, published on ports.vaultLb', () => {
    expect(layout.name).toBe('vault.corp.internal');
    expect(layout.aliases).toContain('vault.corp.internal');
    expect(layout.hostPort).toBe(8210);
  });

  it('passes TLS through in TCP mode: no certificate of its own, no TLS on the traffic to the nodes', () => {
    expect(lines).toContain('mode tcp');
    expect(lines).toContain('bind :8200');
    expect(lines.some((l) => /\bcrt\b|\bssl\b(?!-)/.test(l.replace(/check-ssl/, '')))).toBe(false);
  });

  it('checks every node over verified HTTPS on sys/health and accepts only 200, every second', () => {
    expect(lines).toContain('http-check send meth GET uri /v1/sys/health ver HTTP/1.1 hdr Host vault.corp.internal');
    expect(lines).toContain('http-check expect status 200');
    expect(cfg).toMatch(/default-server check check-ssl verify required ca-file \S+ inter 1s fall 1 rise 1 on-marked-down shutdown-sessions/);
    expect(lines.filter((l) => l.startsWith('server '))).toEqual(['vault-1', 'vault-2', 'vault-3'].map((n) => `server ${n} ${n}.corp.internal:8200 check-sni ${n}.corp.internal verifyhost ${n}.corp.internal`));
  });

  it('keeps its runtime API on the container\'s loopback, read-only', () => {
    expect(lines).toContain(`stats socket ipv4@127.0.0.1:${layout.statsPort} level user`);
  });

  it('reads the servers\' state from show stat, leaving the summary rows out', () => {
    const csv = [
      '# pxname,svname,qcur,status,check_status,check_code',
      'vault,FRONTEND,,OPEN,,',
      'vault-nodes,vault-1,0,UP,L7OK,200',
      'vault-nodes,vault-2,0,DOWN,* L7STS,429',
      'vault-nodes,vault-3,0,DOWN,L4CON,',
      'vault-nodes,vault-4,0,UP,* L7OK,0',
      'vault-nodes,BACKEND,0,UP,,',
    ].join('\n');
    expect(parseShowStat(csv, 'vault-nodes')).toEqual([
      { node: 'vault-1', status: 'UP', up: true, check: 'L7OK 200' },
      { node: 'vault-2', status: 'DOWN', up: false, check: 'L7STS 429' },
      { node: 'vault-3', status: 'DOWN', up: false, check: 'L4CON' },
      { node: 'vault-4', status: 'UP', up: true, check: 'L7OK' },
    ]);
    expect(() => parseShowStat('Unknown command', 'vault')).toThrow(/not HAProxy/);
  });
});
