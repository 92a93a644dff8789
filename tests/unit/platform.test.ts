// The platform's manifests as rendered from fixtures/platform, cert-manager's Secret contract check, and
// the names a client asks a listener for: pure, no cluster.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lab/config/load.ts';
import { LAB_LABEL } from '../../lab/host/docker.ts';
import { kubeClusterLayout } from '../../lab/kube/index.ts';
import { labPaths } from '../../lab/paths.ts';
import { createIntermediateCa, createRootCa, createServerCertificate } from '../../lab/pki/authority.ts';
import { chainPem } from '../../lab/pki/lab-pki.ts';
import { checkTlsSecret, httpsListeners, listenerServername, platformLayout, renderPlatform, type PlatformInputs } from '../../lab/platform/index.ts';

const config = parseConfig({ name: 'unitlab', domains: { private: 'corp.internal', public: 'shop.example' } }, 'test');
const layout = platformLayout(config);
const kube = kubeClusterLayout(config, labPaths(config));
const inputs: PlatformInputs = {
  lab: config.name,
  vault: { server: 'https://vault.corp.internal:8200', signPath: 'pki_private_issuer/sign/certlab', roleId: 'role-1', secretId: 'secret-1' },
  acmeDirectory: 'https://pebble.corp.internal:14000/dir',
  labCa: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  tsig: { name: 'unitlab-rfc2136', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' },
  bindAddress: '172.29.0.3',
  images: { echo: 'registry.k8s.io/e2e-test-images/agnhost:2.56', externalDns: 'registry.k8s.io/external-dns/external-dns:v0.23.0' },
};

describe('platform manifests', () => {
  it('renders every fixture with the lab\'s names, every object labelled with the lab', async () => {
    const rendered = await renderPlatform(layout, kube, inputs);
    const all = Object.values(rendered).flat();
    expect(all.length).toBeGreaterThan(10);
    for (const o of all) expect(o.metadata?.labels?.[LAB_LABEL]).toBe('unitlab');
    expect(JSON.stringify(all)).not.toContain('{{');
    const issuers = rendered.issuers.filter((o) => o.kind === 'ClusterIssuer');
    expect(issuers.map((o) => o.metadata!.name).sort()).toEqual(['pebble-dns01', 'pebble-http01', 'vault-private']);
  });

  it('points the issuers at the lab: Vault through its one address, Pebble with the lab\'s chain, BIND with the TSIG key in a Secret', async () => {
    const { issuers } = await renderPlatform(layout, kube, inputs);
    const byName = (n: string) => issuers.find((o) => o.metadata?.name === n)!;
    const vault = byName('vault-private').spec.vault;
    expect(vault.server).toBe('https://vault.corp.internal:8200');
    expect(vault.path).toBe('pki_private_issuer/sign/certlab');
    expect(Buffer.from(vault.caBundle, 'base64').toString()).toBe(inputs.labCa);
    expect(vault.auth.appRole).toMatchObject({ roleId: 'role-1', secretRef: { name: layout.secrets.vaultAppRole, key: 'secretId' } });
    const http01 = byName('pebble-http01').spec.acme;
    expect(http01.server).toBe(inputs.acmeDirectory);
    expect(http01.skipTLSVerify).toBeUndefined();
    expect(http01.solvers[0].http01.gatewayHTTPRoute.parentRefs[0]).toMatchObject({ name: 'platform-public', namespace: 'platform', sectionName: 'http' });
    const rfc2136 = byName('pebble-dns01').spec.acme.solvers[0].dns01.rfc2136;
    expect(rfc2136).toMatchObject({ nameserver: '172.29.0.3:53', tsigKeyName: 'unitlab-rfc2136', tsigAlgorithm: 'HMACSHA256' });
    // Secrets go where ClusterIssuers read them, and never in plain text in the manifest.
    const secrets = issuers.filter((o) => o.kind === 'Secret');
    expect(secrets.every((s) => s.metadata?.namespace === 'cert-manager')).toBe(true);
    expect(JSON.stringify(issuers)).not.toContain('secret-1');
    expect(Buffer.from(secrets.find((s) => s.metadata?.name === layout.secrets.vaultAppRole)!.data.secretId, 'base64').toString()).toBe('secret-1');
  });

  it('makes the public Gateway annotated, with an HTTP listener and an HTTPS listener per hostname, and the private one from a 90-day Certificate', async () => {
    const { gateways } = await renderPlatform(layout, kube, inputs);
    const pub = gateways.find((o) => o.kind === 'Gateway' && o.metadata?.name === 'platform-public')!;
    expect(pub.metadata?.annotations?.['cert-manager.io/cluster-issuer']).toBe('pebble-http01');
    expect(httpsListeners(gateways)).toEqual([
      { gateway: 'platform-public', listener: 'https-www', hostname: 'www.shop.example', secret: 'platform-public-www-tls' },
      { gateway: 'platform-public', listener: 'https-app', hostname: 'app.shop.example', secret: 'platform-public-app-tls' },
      { gateway: 'platform-private', listener: 'https', hostname: '*.priv.corp.internal', secret: 'private-gateway-tls' },
    ]);
    expect(pub.spec.listeners.find((l: { protocol: string }) => l.protocol === 'HTTP')).toMatchObject({ name: 'http', port: 8000 });
    const cert = gateways.find((o) => o.kind === 'Certificate')!;
    expect(cert.spec).toMatchObject({ secretName: 'private-gateway-tls', duration: '2160h', renewBefore: '360h', issuerRef: { name: 'vault-private', kind: 'ClusterIssuer' } });
  });

  it('runs External-DNS on RFC 2136 with the key from a Secret and its own owner id', async () => {
    const rendered = await renderPlatform(layout, kube, inputs);
    const deployment = rendered['external-dns'].find((o) => o.kind === 'Deployment')!;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.args).toEqual(expect.arrayContaining([
      '--provider=rfc2136', '--source=gateway-httproute', '--rfc2136-host=172.29.0.3', '--rfc2136-zone=shop.example',
      '--rfc2136-tsig-keyname=unitlab-rfc2136', '--rfc2136-tsig-secret-alg=hmac-sha256', '--txt-owner-id=certlab-unitlab', '--domain-filter=shop.example',
    ]));
    expect(JSON.stringify(container.args)).not.toContain('c2VjcmV0');
    expect(container.env[0]).toMatchObject({ name: 'EXTERNAL_DNS_RFC2136_TSIG_SECRET', valueFrom: { secretKeyRef: { key: 'secret' } } });
  });
});

describe('cert-manager\'s Secret contract', async () => {
  const root = await createRootCa('CN=unit root', 1);
  const intermediate = await createIntermediateCa(root, 'CN=unit intermediate', 1, 1);
  const issuing = await createIntermediateCa(intermediate, 'CN=unit issuing', 1, 0);
  const leaf = await createServerCertificate(issuing, 'app.corp.internal', { dns: ['app.corp.internal', 'grafana.priv.corp.internal'], ips: [] }, 1);

  it('holds for leaf, issuing CA, intermediate with the root in ca.crt', async () => {
    const check = await checkTlsSecret(chainPem([leaf, issuing, intermediate]), chainPem([root]));
    expect(check.problems).toEqual([]);
    expect(check.chain).toEqual(['CN=app.corp.internal', 'CN=unit issuing', 'CN=unit intermediate']);
    expect(check.ca).toBe('CN=unit root');
  });

  it('finds a chain out of order, a ca.crt that did not sign the last certificate, and an empty tls.crt', async () => {
    expect((await checkTlsSecret(chainPem([leaf, intermediate, issuing]), chainPem([root]))).problems).toHaveLength(3);
    expect((await checkTlsSecret(chainPem([leaf, issuing]), chainPem([root]))).problems).toEqual([expect.stringMatching(/ca\.crt \(CN=unit root\) did not sign/)]);
    expect((await checkTlsSecret('', undefined)).problems).toEqual(['tls.crt holds no certificate']);
  });

  it('asks a wildcard listener for a name of the certificate under it', () => {
    const cert = new X509Certificate(leaf.cert.toString('pem'));
    const listener = { gateway: 'platform-private', listener: 'https', hostname: '*.priv.corp.internal', secret: 's' };
    expect(listenerServername(listener, cert)).toBe('grafana.priv.corp.internal');
    expect(listenerServername({ ...listener, hostname: 'www.shop.example' }, cert)).toBe('www.shop.example');
    expect(() => listenerServername({ ...listener, hostname: '*.other.example' }, cert)).toThrow(/no name under/);
  });
});
