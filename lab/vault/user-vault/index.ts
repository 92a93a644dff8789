export { connectUserVault, type UserVault } from './connect.ts';
export { removeFromUserVault, userVaultComponent, userVaultInUse } from './component.ts';
export { userVaultLabPolicy } from './policy.ts';
