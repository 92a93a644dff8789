import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { COMPONENTS, componentsToBringUp } from '../components.ts';
import { loadConfig } from '../config/load.ts';
import { createContext, type LabContext } from '../context.ts';
import { deleteLabKubeClusters, removeFromUserKubeCluster } from '../kube/index.ts';
import { docker, removeLabResources } from '../host/docker.ts';
import { removeFromUserVault } from '../vault/user-vault/index.ts';
import { labContainerProblems } from '../host/lab-container.ts';
import { onInterrupt } from '../interrupt.ts';
import { removeRuntimeState } from '../lifecycle/cleanup.ts';
import { cliCommandLine, describeLock, isLockFileName, readLabLock, withLabLock } from '../lifecycle/lock.ts';
import { newRunId } from '../lifecycle/run-id.ts';
import { bringUp } from '../lifecycle/up.ts';
import type { SupplyMode } from '../images/supply.ts';
import { imageModeOption } from './options.ts';
import { statusDocument, statusTable } from './output.ts';
import { outputOption, writeJson, type OutputFormat } from './output-format.ts';
import { tableWidth, useColour } from './terminal.ts';

const STATUS_HELP = `
On a terminal the table fits its width (long cells end in "…") and health is coloured; piped or
redirected, cells stay whole and nothing is coloured (NO_COLOR turns colour off anywhere, FORCE_COLOR
forces it). The detail column, the long one, comes with -o wide.

-o json: {"lab", "components": [{"component", "address", "health": ok|degraded|down, "role",
"detail"}], "lock": null or {"state": held|stale, "file", "holder": {"pid", "command", "host",
"since"} or null}}.`;

/**
 * The configured lab's context. An interruptible one (commands that change the lab) turns Ctrl-C and
 * SIGTERM into its abort signal, so the command stops its work, undoes what it made and exits 130.
 */
export function labContext(program: Command, opts: { interruptible?: boolean } = {}): LabContext {
  const config = loadConfig({ file: program.opts().config });
  return createContext(config, opts.interruptible ? { signal: onInterrupt() } : {});
}

export function registerLabCommands(program: Command): void {
  program.command('up')
    .description(`bring lab components up (default: ${COMPONENTS.map((c) => c.name).join(', ')}); a running component is reused`)
    .argument('[components...]', 'components to bring up')
    .addOption(imageModeOption())
    .option('--wait', 'when another command holds the lab, wait for it instead of refusing')
    .action(async (names: string[], opts: { images: SupplyMode; wait?: boolean }) => {
      const ctx = labContext(program, { interruptible: true });
      const { components, leftOut } = componentsToBringUp(ctx.config, names);
      for (const line of leftOut) process.stderr.write(`certlab: left out: ${line}\n`);
      const runDir = join(ctx.config.reportsDir, newRunId());
      await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) }, async () => {
        try {
          await bringUp(ctx, components, { imageMode: opts.images });
        } finally {
          if (ctx.steps.steps.length) process.stdout.write(`timings: ${await ctx.steps.writeTimings(runDir)}\n`);
        }
      });
    });

  program.command('status')
    .description('a table of every component: address, health, Raft role')
    .addOption(outputOption(['wide', 'json'], 'wide: add the detail column; json: {lab, components[], lock} for scripts'))
    .addHelpText('after', STATUS_HELP)
    .action(async (opts: { output?: OutputFormat }) => {
      const ctx = labContext(program);
      await docker();
      const rows = (await Promise.all(COMPONENTS.map((c) => c.status(ctx)))).flat();
      // What keeps a container from serving, whichever component it belongs to, and what fixes it.
      for (const p of await labContainerProblems(ctx.config.name, ctx.config.network.name)) {
        rows.push({ component: p.component, address: p.container, health: 'degraded', role: p.problem, detail: `${p.container} is ${p.problem}; \`certlab up\` repairs it` });
      }
      // Only read: status is never blocked by a command holding the lab.
      const lock = await readLabLock(ctx).catch(() => undefined);
      if (opts.output === 'json') {
        writeJson(statusDocument(ctx.config.name, rows, lock));
        return;
      }
      const table = statusTable(rows, { wide: opts.output === 'wide', maxWidth: tableWidth(process.stdout), colour: useColour([process.stdout, process.stderr]) });
      process.stdout.write(table + '\n');
      if (lock) process.stdout.write(describeLock(lock) + '\n');
    });

  program.command('down')
    .description('remove everything labelled certlab.lab for this lab (containers, network, volumes; in a kubeCluster.kubeconfig cluster, only what the lab made there), even after a crash')
    .option('--purge', 'also delete the offline PKI and the snapshot store')
    .option('--wait', 'when another command holds the lab, wait for it instead of refusing')
    .action(async (opts: { purge?: boolean; wait?: boolean }) => {
      const ctx = labContext(program);
      await withLabLock(ctx, { command: cliCommandLine(), wait: Boolean(opts.wait) }, async () => {
        // First, while the record of what the lab made in the user's Vault is still there.
        const inUserVault = await removeFromUserVault(ctx);
        // First what the lab made in a user's cluster: its nodes leave the lab network before the network goes.
        const fromUserCluster = await removeFromUserKubeCluster(ctx);
        if (fromUserCluster) process.stdout.write(`removed from the cluster of kubeCluster.kubeconfig what lab ${ctx.config.name} made there: ${fromUserCluster.objects} objects, ${fromUserCluster.images} images, ${fromUserCluster.attachments} network attachments${fromUserCluster.corednsForward ? ', its CoreDNS zones' : ''}\n`);
        const kubeClusters = await deleteLabKubeClusters(ctx.config.name);
        const removed = await removeLabResources(ctx.config.name);
        await removeRuntimeState(ctx);
        if (opts.purge) {
          // Everything but the lock: releasing it removes lock.json, then the directory once empty.
          for (const entry of await readdir(ctx.paths.root).catch(() => [] as string[])) {
            if (!isLockFileName(entry)) await rm(join(ctx.paths.root, entry), { recursive: true, force: true });
          }
        }
        process.stdout.write(`removed ${kubeClusters.length} kind clusters, ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes of lab ${ctx.config.name}\n`);
        if (inUserVault.length) process.stdout.write(`removed from ${ctx.config.vault.address}: ${inUserVault.map((m) => `${m.kind} ${m.path}`).join(', ')}\n`);
      });
    });
}
