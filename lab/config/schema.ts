import { z } from 'zod';
import { BUILDABLE_VERSIONS } from '../images/versions.ts';

const port = z.number().int().min(0).max(65535);
const ms = z.number().int().min(1).max(3_600_000);
const dnsName = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case DNS name such as lab.test');
/** A release as the image tags name it: `1.2.3`, or `v1.2.3` where the project tags with a v. */
const release = (example: string, withV: boolean) => z.string().regex(withV ? /^v\d+\.\d+\.\d+$/ : /^\d+\.\d+\.\d+$/, `must be a release such as ${example}`);
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-8])$/, 'must be an IPv4 CIDR with a prefix from /16 to /28, such as 172.29.0.0/24');

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash;
  } catch {
    return false;
  }
}

const USER_VAULT_KEYS = ['caFile', 'tokenFile', 'approle', 'mountPrefix'] as const;

/** vault.address with exactly one way to log in; its other keys only with it. */
function userVaultComplete(vault: { address?: string | undefined; tokenFile?: string | undefined; approle?: object | undefined } & Record<string, unknown>, ctx: z.RefinementCtx): void {
  const given = USER_VAULT_KEYS.filter((k) => vault[k] !== undefined);
  if (!vault.address) {
    if (given.length) ctx.addIssue({ code: 'custom', path: ['address'], message: `is required with vault.${given[0]} (the address of your own Vault)` });
    return;
  }
  if (vault.tokenFile === undefined && vault.approle === undefined) ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'or vault.approle is required with vault.address (how the lab logs in to your Vault)' });
  if (vault.tokenFile !== undefined && vault.approle !== undefined) ctx.addIssue({ code: 'custom', path: ['approle'], message: 'and vault.tokenFile are both set: give one way to log in' });
}

/** Every setting of the lab. Host ports set to 0 are picked by the engine. */
export const LabConfigSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1-20 lower-case letters, digits or dashes, starting with a letter').default('certlab'),
  stateDir: z.string().min(1).default('.certlab'),
  reportsDir: z.string().min(1).default('reports'),
  vault: z.strictObject({
    flavor: z.enum(['openbao', 'vault']).default('openbao'),
    /**
     * The flavour's release (its image tag). Default: the one that builds here (OpenBao 2.4.0, HashiCorp
     * Vault 1.21.4); any other must be pullable.
     */
    version: release('2.4.0', false).optional(),
    nodes: z.number().int().min(3).max(7).refine((n) => n % 2 === 1, 'must be odd (3, 5 or 7) so the cluster has a clear majority').default(5),
    /** Raft timing: 1 detects a dead leader fastest (Vault's default is 5). */
    performanceMultiplier: z.number().int().min(1).max(10).default(1),
    minQuorum: z.number().int().min(3).default(3),
    tokenTtl: z.string().regex(/^\d+[smh]$/, 'must be a duration such as 10m').default('10m'),
    /**
     * A Vault the lab did not make (the user's own): the lab starts no Vault containers, mounts its PKI
     * engines under `mountPrefix` there and removes them on `certlab down`. Credentials come from files
     * (`tokenFile`, or `approle`), never from this configuration; `caFile` verifies its TLS where the
     * system's trust store does not.
     */
    address: z.string().refine(isHttpsUrl, 'must be an https:// URL such as https://vault.example.com:8200 (the lab speaks to Vault only over verified TLS)').optional(),
    caFile: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    approle: z.strictObject({
      roleIdFile: z.string().min(1),
      secretIdFile: z.string().min(1),
      /** Where the AppRole auth method is mounted on that Vault. */
      mount: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9/_-]*$/, 'must be an auth mount path such as approle').default('approle'),
    }).optional(),
    /** The lab's own path on that Vault; default certlab-<name>. */
    mountPrefix: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be 1-41 lower-case letters, digits or dashes, starting with a letter').optional(),
  }).superRefine(userVaultComplete).transform((vault) => ({ ...vault, version: vault.version ?? BUILDABLE_VERSIONS[vault.flavor] })).prefault({}),
  network: z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'must be a Docker network name').default('certlab'),
    subnet: cidr.default('172.29.0.0/24'),
  }).prefault({}),
  ports: z.strictObject({
    /** Node i of the Vault cluster listens on vaultBase + i - 1 on 127.0.0.1; the seal node on vaultBase + 9. */
    vaultBase: port.default(8200),
    pebble: port.default(14000),
    pebbleManagement: port.default(15000),
    dns: port.default(1053),
    /**
     * The load balancer in front of the Vault nodes (HAProxy, TLS passed through to the active node): the
     * one Vault address, https://vault.<domains.private>, as clients reach it from the host.
     */
    vaultLb: port.default(8210),
  }).prefault({}),
  /**
   * Targets the scenarios hold their figures against. Full runs and benchmarks use the tight ones; the
   * quick variants (the integration suite, often on a loaded CI machine) hold a bound that still says
   * "issuance came back" without failing on timing noise.
   */
  targets: z.strictObject({
    /** Leader SIGKILL to the first successful issuance. */
    leaderKillRecoveryMs: ms.default(5_000),
    /** The same, in quick variants. */
    leaderKillRecoveryQuickMs: ms.default(15_000),
    /** Any other leader fault (stop, freeze, network cut) to the first successful issuance. */
    leaderFaultRecoveryMs: ms.default(30_000),
    /** With a minority of nodes down: the span of failed requests (a standby lost costs at most this). */
    minorityFailureWindowMs: ms.default(5_000),
    /** Without quorum, a write fails (not hangs) within this. */
    quorumWriteFailsMs: ms.default(15_000),
    /** Snapshot restore: cluster destroyed to issuing again. */
    restoreRtoMs: ms.default(60_000),
    /** Snapshot restore: acknowledged writes lost (newest kept marker to the last written). */
    restoreRpoMs: ms.default(15_000),
    /** Many Certificates at once from the Vault ClusterIssuer: time from the request to Ready, median. */
    vaultIssuanceP50Ms: ms.default(3_000),
    /** The same, 95th percentile. */
    vaultIssuanceP95Ms: ms.default(10_000),
    /**
     * ACME ClusterIssuers (Pebble with NOSLEEP): time from the request to Ready beyond cert-manager's own
     * fixed waits (the HTTP-01 self-check passes, the 60 s after a DNS-01 propagation check), median.
     */
    acmeBeyondFixedWaitsP50Ms: ms.default(10_000),
    /** A forced renewal: the trigger to the Gateway serving the new certificate. */
    renewalServedMs: ms.default(10_000),
    /** The served certificate revoked to a trusted one served again (time to remediate). */
    revocationRemediationMs: ms.default(20_000),
    /** cert-manager's Vault path over a direct sign of the same key type: at most this many times as long. */
    certManagerVaultOverhead: z.number().positive().default(3),
    /** A renewal burst through a leader kill completes within this beyond the same burst without a fault. */
    renewalBurstExtraMs: ms.default(30_000),
    /** After Vault is unsealed, a forced renewal brings every Certificate back within this. */
    forcedRenewalAfterUnsealMs: ms.default(30_000),
    /** The kind node restarted to every Gateway listener serving again. */
    platformRestartServeMs: ms.default(120_000),
    /** The drill's expired issuing CA rotated to every Certificate Ready with a chain through the new one. */
    intermediateRotationRecoveryMs: ms.default(60_000),
  }).prefault({}),
  /**
   * `certlab drill`: the disaster-recovery set it runs (scenario names, in order) and whether it runs their
   * quick variants. Its RTO and RPO are held against `targets`.
   */
  drill: z.strictObject({
    scenarios: z.array(z.string().min(1)).min(1).default(['vault-snapshot-restore', 'renewal-vault-sealed', 'vault-quorum-loss', 'platform-restart']),
    quick: z.boolean().default(false),
  }).prefault({}),
  /**
   * Image versions. The defaults are the ones that build from source here (builds are pinned); any other
   * works where its images can be pulled, and one that can be neither pulled nor built is refused in one
   * line before anything starts.
   */
  versions: z.strictObject({
    /** Kubernetes of the kind cluster: the node image kindest/node:<version>. */
    kubernetes: release('v1.34.4', true).default(BUILDABLE_VERSIONS.kubernetes),
    /** cert-manager release in the kind cluster; the lab switches Gateway API support on the way that release takes it. */
    certManager: z.string().regex(/^v1\.\d+\.\d+$/, 'must be a cert-manager release such as v1.11.5').default(BUILDABLE_VERSIONS.certManager),
    /** Pebble and pebble-challtestsrv. */
    pebble: release('2.10.1', false).default(BUILDABLE_VERSIONS.pebble),
    /** Traefik, the Gateway API controller: a v3 release (the lab configures its kubernetesgateway provider). */
    traefik: z.string().regex(/^v3\.\d+\.\d+$/, 'must be a Traefik v3 release such as v3.5.3').default(BUILDABLE_VERSIONS.traefik),
  }).prefault({}),
  /**
   * A Kubernetes cluster the lab did not make, used instead of its own kind cluster (the issue's
   * `cluster.kubeconfig`): the kubeconfig file and, optionally, its context (default: its current one).
   * The file must exist and parse and the context must be in it (checked by loadConfig). Absent: the lab
   * makes its own kind cluster.
   */
  kubeCluster: z.strictObject({
    kubeconfig: z.string().min(1),
    context: z.string().min(1).optional(),
  }).optional(),
  domains: z.strictObject({
    /** Zone the lab's CoreDNS serves for private names (Vault nodes, internal services). */
    private: dnsName.default('lab.test'),
    /** The "public" zone: BIND is authoritative and takes RFC2136 updates for it (Route53's stand-in). */
    public: dnsName.default('certlab.example'),
  }).prefault({}),
});

export type LabConfig = z.infer<typeof LabConfigSchema>;
