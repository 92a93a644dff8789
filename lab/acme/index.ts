export { acmeComponent } from './component.ts';
export { pebbleEndpoints, pebbleRoots, type PebbleEndpoints } from './endpoints.ts';
export { challengeName, issuePublicCertificate, type PublicCertificate } from './issue.ts';
export { acmeLayout, type AcmeLayout } from './layout.ts';
export { accountOrders, countPebbleActivity, pebbleActivity, type OrderAccount, type PebbleActivity } from './activity.ts';
