export { healVaultLb, startVaultLb, vaultLbStatus } from './component.ts';
export { lbBackends, parseShowStat, waitForLbActive, type LbBackend } from './runtime.ts';
export { renderHaproxyConfig } from './render.ts';
export { startLbContainer } from './containers.ts';
export { vaultLbEndpoint, type VaultLbEndpoint } from './connect.ts';
export { vaultLbLayout, type VaultLbLayout } from './layout.ts';
