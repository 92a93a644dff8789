export { vaultComponent } from './component.ts';
