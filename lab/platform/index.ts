export { ECHO_IMAGE_KEY, EXTERNAL_DNS_IMAGE_KEY, platformInputs, startPlatform, waitCertificatesReady, waitIssuersReady, waitListenersServe, waitPublicNames } from './bring-up.ts';
export { platformComponent } from './component.ts';
export { connectPlatform, GATEWAY_HTTPS_PORT, gatewaysPath, listenerServername, platformHandle, type Platform, type ServedListener, type TlsSecret } from './connect.ts';
export { platformLayout, type PlatformLayout } from './layout.ts';
export { httpsListeners, PLATFORM_FIXTURES, platformVars, renderPlatform, renderPlatformFixture, withLabLabel, type HttpsListener, type PlatformInputs } from './manifests.ts';
export { checkTlsSecret, type SecretChainCheck } from './secret-contract.ts';
export { platformState, platformStatus } from './status.ts';
export {
  certificateManifest, certificateRequestsPerCertificate, certificatesPath, followRenewal, forceRenewal, gatewayManifest, gatewayPods, manuallyTriggered, nameUnder,
  plannedRenewal, publishedNamesRoutes, sameKey, secretLeaf, waitSecretRenewed, waitServed, watchCertificateRequests, watchCertificatesReady,
  type CertificateSpec, type ListenerSpec, type Renewal, type ServedProbe,
} from './certificates.ts';
export {
  batchCertificateName, certManagerFixedWaitMs, describeCertificate, describeChain, ISSUER_KINDS, issuanceBatch, issueAtOnce, publishNames, quantile, runTag, type IssuanceBatch, type IssuedCertificate, type IssuerKind,
} from './issuance.ts';
export { checkServedRevocation, type RevocationCheck } from './revocation.ts';
