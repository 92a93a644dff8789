// What `up` does with a running kind cluster whose settings differ from the configuration's.
import { describe, expect, it } from 'vitest';
import { compareKubeCluster, type KubeClusterSettings } from '../../lab/kube/index.ts';

const wanted: KubeClusterSettings = {
  nodeImage: 'docker.io/kindest/node:v1.34.4',
  certManagerImage: 'quay.io/jetstack/cert-manager-controller:v1.11.5',
  certManagerValues: '{"extraArgs":["--kube-api-qps=500"]}',
  traefikImage: 'docker.io/library/traefik:v3.5.3',
};

describe('compareKubeCluster', () => {
  it('finds nothing when what runs is what the configuration asks for', () => {
    expect(compareKubeCluster(wanted, { ...wanted })).toEqual({ reapply: [], recreate: [] });
  });

  it('re-applies a changed cert-manager release, naming both versions, and not its values besides', () => {
    const drift = compareKubeCluster(wanted, { ...wanted, certManagerImage: 'quay.io/jetstack/cert-manager-controller:v1.21.2', certManagerValues: '{}' });
    expect(drift).toEqual({ reapply: ['cert-manager v1.21.2 -> v1.11.5'], recreate: [] });
  });

  it('re-applies changed cert-manager settings and a changed Traefik image', () => {
    const drift = compareKubeCluster(wanted, { ...wanted, certManagerValues: '{"extraArgs":[]}', traefikImage: 'docker.io/library/traefik:v3.6.0' });
    expect(drift.reapply).toEqual(['cert-manager settings', 'Traefik v3.6.0 -> v3.5.3']);
    expect(drift.recreate).toEqual([]);
  });

  it('asks for a new cluster when its nodes run another Kubernetes', () => {
    const drift = compareKubeCluster(wanted, { ...wanted, nodeImage: 'docker.io/kindest/node:v1.33.1' });
    expect(drift.recreate).toEqual(['its nodes run docker.io/kindest/node:v1.33.1, the configuration asks for docker.io/kindest/node:v1.34.4']);
  });

  it('does not count what is unknown on either side (no values file yet, the dns component down)', () => {
    expect(compareKubeCluster({ ...wanted, certManagerValues: undefined }, { ...wanted, certManagerValues: '{}' })).toEqual({ reapply: [], recreate: [] });
    expect(compareKubeCluster(wanted, { ...wanted, certManagerImage: undefined, certManagerValues: undefined })).toEqual({ reapply: [], recreate: [] });
  });
});
